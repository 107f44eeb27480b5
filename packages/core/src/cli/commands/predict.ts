import * as path from 'node:path';
import type { Command } from 'commander';
import { resolveModelPath } from '../../io/hub/resolve-model-path.js';
import { BASE_ADAPTER } from '../../peft/adapter-layer.js';
import { addRunAdapter, predictRun } from '../../plugin/run/predict-run.js';
import { UserError } from '../../plugin/user-error.js';
import { initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { loadCliTarget } from '../load-target.js';
import { printJson, printText } from '../output.js';

/** `--adapter [name=]dir`: the adapter's name for routing, default its directory's base name. */
function parseAdapterFlag(flag: string): { name: string; dir: string } {
  const m = /^([A-Za-z0-9_-]+)=(.+)$/.exec(flag);
  if (m) return { name: m[1] as string, dir: m[2] as string };
  return { name: path.basename(path.resolve(flag)).replace(/[^A-Za-z0-9_-]/g, '_'), dir: flag };
}

/** With several adapters each input is `<adapter>:<input>`; `base:` runs the bare base model. */
function routeInputs(
  inputs: readonly string[],
  names: readonly string[],
): { names: string[]; inputs: string[] } {
  const out = { names: [] as string[], inputs: [] as string[] };
  for (const input of inputs) {
    const colon = input.indexOf(':');
    const name = colon > 0 ? input.slice(0, colon) : '';
    if (name !== 'base' && !names.includes(name)) {
      throw new UserError(
        `input '${input}': with several adapters write <adapter>:<input>, <adapter> one of ${[...names, 'base'].join(', ')}`,
      );
    }
    out.names.push(name === 'base' ? BASE_ADAPTER : name);
    out.inputs.push(input.slice(colon + 1));
  }
  return out;
}

export function registerPredict(program: Command, ctx: CliContext): void {
  program
    .command('predict')
    .description(
      'predict with a trained run: each input is what the domain parses (a file path, a row, a literal)',
    )
    .argument('<inputs...>', 'inputs to predict for; with several --adapter, each as <adapter>:<input>')
    .option(
      '--adapter <[name=]dir>',
      'a run directory written by train, pretrain or merge, or a Hugging Face PEFT adapter directory or Hub id (org/name[@revision]); repeat it to route each input to its adapter',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--base <dir>',
      'base checkpoint (directory or Hub id org/name[@revision]) to use instead of the one the run records; alone: a model to predict with as is (an HF task checkpoint)',
    )
    .option('--top <k>', 'probabilities to show per input (human output)', '3')
    .option('--json', 'print one JSON object')
    .action(
      async (inputs: string[], opts: { adapter?: string[]; base?: string; top: string; json?: boolean }) => {
        if (inputs.length === 0) throw new UserError('predict: give at least one input');
        const adapters = (opts.adapter ?? []).map(parseAdapterFlag);
        const names = adapters.map((a) => a.name);
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (dup)
          throw new UserError(
            `predict: two adapters are named '${dup}'; name them with --adapter <name>=<dir>`,
          );
        await initBackend();
        const first = adapters[0];
        const run = await loadCliTarget(ctx, { adapter: first?.dir, base: opts.base }, 'predict');
        try {
          let routed: { names: string[]; inputs: string[] } | undefined;
          if (adapters.length > 1) {
            // The first adapter loads as 'default'; the others under their own names.
            for (const a of adapters.slice(1)) {
              const dir = await resolveModelPath(a.dir, { cwd: ctx.cwd, log: (l) => ctx.log(l) });
              await addRunAdapter(run, dir, a.name);
            }
            const r = routeInputs(inputs, names);
            routed = { inputs: r.inputs, names: r.names.map((n) => (n === first?.name ? 'default' : n)) };
          }
          const predictions = (
            await predictRun(run, routed?.inputs ?? inputs, routed ? { adapterNames: routed.names } : {})
          ).map((p, i) =>
            routed ? { ...p, adapter: routedName(routed.names[i] as string, first?.name) } : p,
          );
          if (opts.json) {
            return printJson({
              adapter: adapters.length > 1 ? adapters.map((a) => path.resolve(ctx.cwd, a.dir)) : run.dir,
              predictions,
            });
          }
          const top = Math.max(1, Number(opts.top) || 3);
          for (const p of predictions) {
            const probs = Object.entries(p.probabilities ?? {})
              .sort((a, b) => b[1] - a[1])
              .slice(0, top)
              .map(([label, v]) => `${label} ${v.toFixed(3)}`)
              .join(', ');
            // Generated text prints as it is; other values (numbers, lists) as JSON.
            const result =
              p.label ??
              (p.value === undefined ? '?' : typeof p.value === 'string' ? p.value : JSON.stringify(p.value));
            const via = p.adapter !== undefined ? `${p.adapter}\t` : '';
            printText(`${via}${p.input}\t${result}${probs ? `\t(${probs})` : ''}`);
          }
        } finally {
          run.model.dispose();
        }
      },
    );
}

/** The user's name for a routed adapter (`default` is the first one; `__base__` is `base`). */
function routedName(name: string, firstName: string | undefined): string {
  if (name === BASE_ADAPTER) return 'base';
  return name === 'default' && firstName !== undefined ? firstName : name;
}
