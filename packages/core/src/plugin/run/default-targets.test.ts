import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../../cli/capture-output.js';
import { runCli } from '../../cli/main.js';
import { readSafetensorsHeader } from '../../io/safetensors.js';
import { toyBlocksPlugin } from '../testing/toy-blocks-plugin.js';
import { toyPlugin } from '../testing/toy-plugin.js';

let tmp: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-default-targets-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * `peftkit train` on the blocks architecture, whose plugin declares per-method defaults as the
 * nlp plugin does (`IA3: attn.k, attn.v, ffn.down`, `BOTTLENECK: block.ffn`).
 */
async function train(name: string, peft: string): Promise<string> {
  const out = path.join(tmp, name);
  const argv = ['train', '--json', '--preset', 'toy/basic', '--set', 'model.architecture=toy/blocks'];
  argv.push('--set', `peft=${peft}`, '--out', out);
  const { result: code, stderr } = await captureOutput(() =>
    runCli(argv, { plugins: [toyPlugin, toyBlocksPlugin], discover: false }),
  );
  if (code !== 0) throw new Error(`exit ${code}: ${stderr}`);
  return out;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
}

async function shapes(dir: string): Promise<Record<string, number[]>> {
  const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
  return Object.fromEntries(header.entries.map((e) => [e.name, e.shape]));
}

const layers = ['body.layer.0', 'body.layer.1'];

describe('default targets through the CLI are the library defaults', () => {
  it('IA3 without targets rescales ffn.down on its input side (feed-forward), as getPeftModel does', async () => {
    const out = await train('ia3', '{peftType: IA3}');
    const config = await readJson(path.join(out, 'adapter_config.json'));
    const ffn = layers.map((l) => `${l}.output.dense`);
    expect(config['feedforward_modules']).toEqual(ffn);
    expect(config['target_modules']).toEqual(
      layers.flatMap((l) => [`${l}.attention.key`, `${l}.attention.value`, `${l}.output.dense`]),
    );
    const s = await shapes(out);
    // HF layout: feed-forward vectors are [1, in] (in = ffn width 12), the others [out, 1].
    for (const l of layers) {
      expect(s[`base_model.model.${l}.output.dense.ia3_l`]).toEqual([1, 12]);
      expect(s[`base_model.model.${l}.attention.key.ia3_l`]).toEqual([8, 1]);
    }
    const sidecar = await readJson(path.join(out, 'peftkit.json'));
    expect(sidecar['targetRoles']).toEqual(['attn.k', 'attn.v', 'ffn.down']);
  });

  it("BOTTLENECK takes its variant's placements: Houlsby after attention and feed-forward, Pfeiffer after feed-forward", async () => {
    const houlsby = await readJson(
      path.join(await train('houlsby', '{peftType: BOTTLENECK, variant: houlsby}'), 'peftkit.json'),
    );
    expect(houlsby['targetRoles']).toEqual(['block.attn', 'block.ffn']);
    expect(houlsby['targets']).toEqual(
      layers.flatMap((l) => [`${l}.attention.output.dense`, `${l}.output.dense`]),
    );
    const pfeiffer = await readJson(
      path.join(await train('pfeiffer', '{peftType: BOTTLENECK}'), 'peftkit.json'),
    );
    expect(pfeiffer['targets']).toEqual(layers.map((l) => `${l}.output.dense`));
  });
});
