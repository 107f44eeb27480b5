import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createPeftkit,
  getPeftModel,
  type LoadedRun,
  loadRun,
  mergeRun,
  type PeftkitHost,
  predictRun,
  readSafetensorsHeader,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeq2Seq } from './heads/seq2seq-generation.js';
import { seq2seqConfigFromCheckpoint } from './heads/seq2seq-hf-generation.js';
import { loadBartCheckpoint } from './models/bart/checkpoint.js';
import { bartPlacement } from './models/bart/placement.js';
import type { Seq2SeqLm } from './models/seq2seq/seq2seq-lm.js';
import { loadT5Checkpoint } from './models/t5/checkpoint.js';
import { nlpPlugin } from './plugin.js';
import type { Seq2SeqPreprocessor } from './preprocess/seq2seq-preprocessor.js';
import type { TextTokenizer } from './preprocess/tokenizer.js';
import { loadMarianTokenizer, loadTokenizer } from './preprocess/tokenizer-files.js';
import { SEQ2SEQ_FIXTURES } from './testing/seq2seq-parity.js';

/**
 * Plain Hugging Face T5 / BART / Marian directories (test-data/seq2seq: PyTorch-written weights,
 * tokenizer files and generation_config.json from make_hf_files.py, an HF PEFT LoRA from
 * make_lora_fixture.py) used as runs with no peftkit files: `loadRun` reads them through
 * `loadHfRun`, decoding as `generate()` would from the directory's generation defaults.
 */
const dir = (name: string) => path.join(SEQ2SEQ_FIXTURES, name);
const LORA = dir('t5-v1_0-lora');

interface LoraReference {
  input_ids: number[][];
  base: number[][];
  adapter: number[][];
}

let host: PeftkitHost;
let tmp: string;
beforeAll(async () => {
  host = await createPeftkit({ plugins: [nlpPlugin] });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-s2s-hf-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const tokenizerOf = (run: LoadedRun) => (run.instance as Seq2SeqPreprocessor).tokenizer;
const decode = (tok: TextTokenizer, ids: readonly number[]) =>
  tok.decode(ids, { skipSpecialTokens: true }).trim();

/** Text whose tokens are `ids` without the end token, by the fixture vocabulary (`<unk>` as `zzz`). */
function textOf(tok: TextTokenizer, ids: readonly number[], eos: number, pad: number): string {
  return ids
    .filter((id) => id !== eos && id !== pad)
    .map((id) => {
      const piece = tok.decode([id], { skipSpecialTokens: true }).trim();
      return piece === '' ? 'zzz' : piece;
    })
    .join(' ');
}

async function withRun<T>(target: string, body: (run: LoadedRun) => Promise<T>): Promise<T> {
  const run = await loadRun(host, target);
  try {
    return await body(run);
  } finally {
    run.model.dispose();
  }
}

const SENTENCES = ['the big cat sees the dog', 'a small green house', 'the old man reads a book'];

describe('a plain HF encoder-decoder directory is a run', () => {
  const families = {
    't5-v1_0': { architecture: 't5', load: loadT5Checkpoint },
    bart: { architecture: 'bart', load: loadBartCheckpoint },
    marian: { architecture: 'marian', load: loadBartCheckpoint },
  } as const;

  for (const [name, family] of Object.entries(families)) {
    it(`${name}: predict equals generateSeq2Seq on the same checkpoint with HF's generation defaults`, async () => {
      const texts = name === 'marian' ? ['the cat sees the dog', 'a small house is small'] : SENTENCES;
      await withRun(dir(name), async (run) => {
        expect(run.architecture.id).toBe(family.architecture);
        expect(run.head.id).toBe('nlp/seq2seq-lm');
        expect(run.manifest.kind).toBe('full');
        expect(run.preprocessor.id).toBe('nlp/seq2seq-tokenizer');
        const first = await predictRun(run, texts);
        const start = tf.memory().numTensors;
        const second = await predictRun(run, texts);
        expect(tf.memory().numTensors).toBe(start);
        expect(second.map((p) => p.value)).toEqual(first.map((p) => p.value));

        // The same decode by hand: the directory's tokenizer, its checkpoint, the options
        // generate() takes from generation_config.json (bart) or config.json (t5, marian).
        const tok = await loadTokenizer(dir(name));
        const { model } = await family.load(dir(name));
        try {
          const config = JSON.parse(await fs.readFile(dir(`${name}/config.json`), 'utf8'));
          const { generation: g } = (await seq2seqConfigFromCheckpoint(dir(name), config)) as {
            generation: Record<string, number>;
          };
          const sources = texts.map((t) => [...tok.encode(t).ids]);
          const rows = generateSeq2Seq(model as unknown as Seq2SeqLm, sources, g);
          expect(first.map((p) => p.value)).toEqual(rows.map((r) => decode(tok, r)));
          // HF's max_length 20 without a generation config (19 new tokens, t5); bart's file says
          // 3 beams and max_length 10, marian's 2 beams, max_length 12 and never <pad> (25).
          const want = { 't5-v1_0': [19, undefined], bart: [9, 3], marian: [11, 2] }[name];
          expect([g['maxNewTokens'], g['numBeams']]).toEqual(want);
          expect(g['suppressTokens']).toEqual(name === 'marian' ? [25] : undefined);
          if (name === 'marian') {
            expect(rows.flat()).not.toContain(25);
            // Suppression is live: banning the first token generated changes the output.
            const first = rows[0]?.[0] as number;
            const banned = generateSeq2Seq(model as unknown as Seq2SeqLm, sources, {
              ...g,
              suppressTokens: [first],
            });
            expect(banned.flat()).not.toContain(first);
            expect(rows.flat()).toContain(first);
          }
          // Every row ran to the limit or stopped at its end token.
          for (const r of rows) {
            expect(r.length === g['maxNewTokens'] || r.at(-1) === model.tokenIds.eosTokenId).toBe(true);
          }
        } finally {
          model.dispose();
        }
      });
    });
  }

  it("t5: a generation_config.json asking for beams reproduces PyTorch's beams (reference.json beam[0])", async () => {
    const ref = JSON.parse(await fs.readFile(dir('t5-v1_0/reference.json'), 'utf8')) as {
      input_ids: number[][];
      beam: {
        options: { num_beams: number; max_length: number; length_penalty: number; early_stopping: boolean };
        results: { tokens: number[] }[];
      }[];
    };
    const beam = ref.beam[0];
    if (!beam) throw new Error('reference.json has no beam results');
    const copy = path.join(tmp, 't5-beams');
    await fs.cp(dir('t5-v1_0'), copy, { recursive: true });
    const o = beam.options;
    await fs.writeFile(
      path.join(copy, 'generation_config.json'),
      JSON.stringify({
        decoder_start_token_id: 0,
        eos_token_id: 1,
        pad_token_id: 0,
        num_beams: o.num_beams,
        max_length: o.max_length,
        length_penalty: o.length_penalty,
        early_stopping: o.early_stopping,
      }),
    );
    await withRun(copy, async (run) => {
      const tok = tokenizerOf(run);
      const texts = ref.input_ids.map((ids) => textOf(tok, ids, 1, 0));
      // The fixture tokenizer turns the texts back into the reference's source ids.
      const pre = run.instance as Seq2SeqPreprocessor;
      expect(texts.map((t) => pre.encode({ source: t, target: '' }).source)).toEqual(
        ref.input_ids.map((ids) => ids.filter((id) => id !== 0)),
      );
      const out = await predictRun(run, texts);
      expect(out.map((p) => p.value)).toEqual(beam.results.map((r) => decode(tok, r.tokens)));
    });
  });
});

describe('an HF PEFT LoRA (task_type SEQ_2_SEQ_LM) on a plain HF T5', () => {
  it("predict --adapter generates PyTorch's tokens with the LoRA, the base alone its own", async () => {
    const ref = JSON.parse(await fs.readFile(path.join(LORA, 'reference.json'), 'utf8')) as LoraReference;
    const texts = await withRun(dir('t5-v1_0'), async (run) => {
      const tok = tokenizerOf(run);
      const texts = ref.input_ids.map((ids) => textOf(tok, ids, 1, 0));
      const base = await predictRun(run, texts);
      expect(base.map((p) => p.value)).toEqual(ref.base.map((r) => decode(tok, r)));
      return texts;
    });
    await withRun(LORA, async (run) => {
      expect(run.manifest.kind).toBe('adapter');
      expect(run.baseDir).toBe(dir('t5-v1_0'));
      const tok = tokenizerOf(run);
      const out = await predictRun(run, texts);
      const want = ref.adapter.map((r) => decode(tok, r));
      expect(out.map((p) => p.value)).toEqual(want);
      expect(want).not.toEqual(ref.base.map((r) => decode(tok, r)));
    });
  });

  it('merge writes an HF T5ForConditionalGeneration directory that generates the same', async () => {
    const ref = JSON.parse(await fs.readFile(path.join(LORA, 'reference.json'), 'utf8')) as LoraReference;
    const out = path.join(tmp, 'merged-t5');
    const { texts, headConfig } = await withRun(LORA, async (run) => {
      const tok = tokenizerOf(run);
      await mergeRun(run, out);
      return { texts: ref.input_ids.map((ids) => textOf(tok, ids, 1, 0)), headConfig: run.headConfig };
    });
    const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 't5', architectures: ['T5ForConditionalGeneration'] });
    expect(config.id2label).toBeUndefined();
    // generate() defaults as the run decoded: HF's max_length 20 and T5's ids (read back below).
    const generation = JSON.parse(await fs.readFile(path.join(out, 'generation_config.json'), 'utf8'));
    expect(generation).toMatchObject({
      max_length: 20,
      num_beams: 1,
      decoder_start_token_id: 0,
      eos_token_id: 1,
    });
    // HF's key set for a tied T5: the embedding once as shared.weight, no lm_head.
    const keys = (await readSafetensorsHeader(path.join(out, 'model.safetensors'))).entries.map(
      (e) => e.name,
    );
    const baseKeys = (await readSafetensorsHeader(dir('t5-v1_0/model.safetensors'))).entries
      .map((e) => e.name)
      .filter((k) => !/^(encoder|decoder)\.embed_tokens\./.test(k));
    expect(keys.sort()).toEqual(baseKeys.sort());
    // Only HF's files, as transformers reads them: the merged model generates the adapter's tokens.
    const hfOnly = path.join(tmp, 'merged-t5-hf-only');
    await fs.mkdir(hfOnly);
    for (const f of await fs.readdir(out)) {
      if (
        /^(config|generation_config|tokenizer|tokenizer_config|special_tokens_map)\.json$|\.safetensors$/.test(
          f,
        )
      ) {
        await fs.copyFile(path.join(out, f), path.join(hfOnly, f));
      }
    }
    await withRun(hfOnly, async (run) => {
      expect(run.manifest.kind).toBe('full');
      expect(run.headConfig).toEqual(headConfig);
      const predicted = await predictRun(run, texts);
      expect(predicted.map((p) => p.value)).toEqual(ref.adapter.map((r) => decode(tokenizerOf(run), r)));
    });
  });
});

describe('an adapter on a plain HF Marian directory', () => {
  it('saved as HF PEFT, loads by task_type, changes the output, and merges to MarianMTModel', async () => {
    const texts = ['the cat sees the dog', 'a small house'];
    const { model, config } = await loadBartCheckpoint(dir('marian'));
    const peft = getPeftModel(
      model,
      {
        peftType: 'LORA',
        r: 2,
        loraAlpha: 4,
        targetModules: ['q_proj', 'v_proj'],
        taskType: 'SEQ_2_SEQ_LM',
        baseModelNameOrPath: dir('marian'),
      },
      { placement: bartPlacement(config) },
    );
    // LoRA B starts at zero (no change): give every factor values so the adapter matters.
    tf.tidy(() => {
      for (const [name, p] of peft.namedParameters({ trainableOnly: true })) {
        p.assign(tf.randomNormal(p.shape, 0, 0.8, 'float32', name.length));
      }
    });
    const adapterDir = path.join(tmp, 'marian-lora');
    await peft.savePretrained(adapterDir);
    peft.dispose();
    const saved = JSON.parse(await fs.readFile(path.join(adapterDir, 'adapter_config.json'), 'utf8'));
    expect(saved).toMatchObject({ peft_type: 'LORA', task_type: 'SEQ_2_SEQ_LM' });

    const base = await withRun(dir('marian'), async (run) =>
      (await predictRun(run, texts)).map((p) => p.value),
    );
    const out = path.join(tmp, 'merged-marian');
    const adapted = await withRun(adapterDir, async (run) => {
      expect(run.manifest.kind).toBe('adapter');
      const values = (await predictRun(run, texts)).map((p) => p.value);
      await mergeRun(run, out);
      return values;
    });
    expect(adapted).not.toEqual(base);
    const merged = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(merged).toMatchObject({ model_type: 'marian', architectures: ['MarianMTModel'] });
    const generation = JSON.parse(await fs.readFile(path.join(out, 'generation_config.json'), 'utf8'));
    expect(generation).toMatchObject({ num_beams: 2, max_length: 12, bad_words_ids: [[25]] });
    // Marian's tokenizer files travel with the merge; what MarianMTModel + MarianTokenizer read
    // (no tokenizer.json: the .spm files are used) generates the same.
    const hfOnly = path.join(tmp, 'merged-marian-hf-only');
    await fs.mkdir(hfOnly);
    for (const f of await fs.readdir(out)) {
      if (!/^(peftkit-run|preprocessor|tokenizer)\.json$/.test(f)) {
        await fs.copyFile(path.join(out, f), path.join(hfOnly, f));
      }
    }
    expect((await fs.readdir(hfOnly)).sort()).toEqual(
      expect.arrayContaining(['source.spm', 'target.spm', 'vocab.json', 'model.safetensors']),
    );
    const again = await withRun(hfOnly, async (run) => (await predictRun(run, texts)).map((p) => p.value));
    expect(again).toEqual(adapted);
  });
});

describe('Marian labels', () => {
  it("are tokenised with target.spm (MarianTokenizer's text_target), also after a state round trip", async () => {
    const target = 'das haus ist klein';
    const sourceSide = await loadMarianTokenizer(dir('marian'), 'source');
    const targetSide = await loadMarianTokenizer(dir('marian'), 'target');
    const want = [...targetSide.encode(target).ids];
    // The two models segment German differently, so the side matters.
    expect(want).not.toEqual([...sourceSide.encode(target).ids]);
    await withRun(dir('marian'), async (run) => {
      const pre = run.instance as Seq2SeqPreprocessor;
      const encoded = pre.encode({ source: 'the cat', target });
      expect(encoded.labels).toEqual(want);
      expect(encoded.source).toEqual([...sourceSide.encode('the cat').ids]);
      const restored = run.preprocessor.create(run.preprocessOptions, {
        labels: undefined,
      }) as Seq2SeqPreprocessor;
      restored.loadState?.(JSON.parse(JSON.stringify(pre.saveState())));
      expect(restored.encode({ source: 'the cat', target }).labels).toEqual(want);
    });
  });
});

describe('seq2seqConfigFromCheckpoint', () => {
  it("reads config.json's legacy fields without a generation config, and bad_words_ids as suppressed tokens", async () => {
    const d = path.join(tmp, 'legacy');
    await fs.mkdir(d);
    const config = {
      num_beams: 4,
      max_length: 512,
      bad_words_ids: [[58100]],
      top_k: 50,
      do_sample: false,
      early_stopping: 'never',
      eos_token_id: [0, 3],
    };
    expect(await seq2seqConfigFromCheckpoint(d, config)).toEqual({
      generation: {
        numBeams: 4,
        maxNewTokens: 511,
        earlyStopping: false,
        eosTokenId: 0,
        suppressTokens: [58100],
      },
    });
    // generation_config.json wins over config.json; max_new_tokens over max_length.
    await fs.writeFile(
      path.join(d, 'generation_config.json'),
      JSON.stringify({ max_length: 30, max_new_tokens: 5, do_sample: true, top_k: 7, temperature: 0.5 }),
    );
    expect(await seq2seqConfigFromCheckpoint(d, config)).toEqual({
      generation: { maxNewTokens: 5, doSample: true, temperature: 0.5, topK: 7 },
    });
    await fs.writeFile(path.join(d, 'generation_config.json'), JSON.stringify({ bad_words_ids: [[3, 4]] }));
    await expect(seq2seqConfigFromCheckpoint(d, config)).rejects.toThrow(
      /generation_config\.json: bad_words_ids entries of several tokens \(\[3,4\]\) are not supported/,
    );
    await fs.writeFile(path.join(d, 'generation_config.json'), JSON.stringify({ num_beams: 0 }));
    await expect(seq2seqConfigFromCheckpoint(d, config)).rejects.toThrow(
      /num_beams must be an integer >= 1, got 0/,
    );
  });
});
