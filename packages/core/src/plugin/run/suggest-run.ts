import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { AnyModule } from '../../nn/module.js';
import { type LoraConfig, loraSettingsFor } from '../../peft/methods/lora/config.js';
import { type LoraModuleKind, type LoraRankCost, loraRankCost } from '../../peft/methods/lora/rank-cost.js';
import { checkLoraSettings } from '../../peft/methods/lora/settings-check.js';
import { resolveRole } from '../../peft/placement.js';
import { layerIndexOf } from '../../peft/targets.js';
import { allocateRanks, allowedRanks, type RankCandidate } from '../../train/suggest/allocate-ranks.js';
import { scoreModuleSensitivity } from '../../train/suggest/module-sensitivity.js';
import { type ProbeAttributionOptions, probeAttribution } from '../../train/suggest/probe-attribution.js';
import { headForward } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { applyPeft, type BuiltModel } from './build-model.js';
import { prepareRun } from './prepare-run.js';
import { trainBatchLoader } from './train-loader.js';

/**
 * `0.5%` of the base's parameters, an absolute count of adapter parameters, or `run`: as many as
 * the run's own PEFT config trains (the preset's default adapter, head excluded), to ask where
 * the same parameters are better spent.
 */
export type SuggestBudget =
  | { readonly percent: number }
  | { readonly params: number }
  | { readonly run: true };

/** Parses `--budget`: `0.5%`, `20000` or `run`. */
export function parseSuggestBudget(text: string): SuggestBudget {
  const s = text.trim();
  if (s === 'run') return { run: true };
  const pct = /^(\d+(?:\.\d+)?|\.\d+)%$/.exec(s);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return { percent: Number(pct[1]) };
  if (/^\d+$/.test(s) && Number(s) > 0) return { params: Number(s) };
  throw new UserError(
    `--budget: expected a percentage of the base's parameters (e.g. 0.5%), a parameter count, or 'run' (as many as the run's own adapter), got '${text}'`,
  );
}

/**
 * Steps of `suggest`'s probe by default: on the quality suite, 30 steps scored better proposals
 * at 1% than the first step alone (docs/quality.md) for the price of 30 short training steps.
 */
export const DEFAULT_PROBE_STEPS = 30;

export interface SuggestRunOptions {
  readonly config: RunConfig;
  readonly origins?: ReadonlyMap<string, string>;
  readonly budget: SuggestBudget;
  /** Training batches the first-step score is averaged over (default 8; unused by the probe). */
  readonly batches?: number;
  /**
   * Score by a short probe: train a LoRA adapter of rank 4 on every candidate (with the head) for
   * this many Adam steps at the run's learning rate and attribute the loss decrease to each
   * (`probeAttribution`). Default {@link DEFAULT_PROBE_STEPS}; 0 scores the first step only
   * (`scoreModuleSensitivity`, no training).
   */
  readonly probeSteps?: number;
  /** Write the proposed run config here (YAML). */
  readonly outFile?: string;
  readonly log?: (line: string) => void;
}

/** One scored module and what it gets. */
export interface SuggestRow {
  readonly module: string;
  /** `Linear`, `Embedding`, `Conv1d` or `Conv2d`. */
  readonly kind: LoraModuleKind;
  /** Placement role (`attn.q`, `ffn.up`, ...) or `-` for a module no role names. */
  readonly role: string;
  /** Block index for per-layer modules, null for model-level ones. */
  readonly layer: number | null;
  /**
   * What one unit of rank is worth here: the loss decrease per Adam step and unit of learning rate
   * of a rank-1 LoRA adapter (`scoreModuleSensitivity`), or with `probeSteps` the loss decrease
   * the probe's adapter here caused (`probeAttribution`) over `log2(1 + its rank)`.
   */
  readonly score: number;
  /** `score` as a share of the total over all candidates (0..1). */
  readonly share: number;
  /** Proposed LoRA rank (0 = not adapted). */
  readonly rank: number;
  /** Adapter parameters at that rank. */
  readonly params: number;
}

/** Role-level summary: where the sensitivity is. */
export interface SuggestRoleRow {
  readonly role: string;
  readonly modules: number;
  readonly share: number;
  readonly adapted: number;
  readonly params: number;
}

export interface SuggestRunResult {
  /** Every candidate, most sensitive first. */
  readonly rows: readonly SuggestRow[];
  readonly roles: readonly SuggestRoleRow[];
  readonly baseParameters: number;
  readonly budgetParameters: number;
  readonly usedParameters: number;
  /** Training batches the first-step score averages over (not used when `probeSteps` > 0). */
  readonly batches: number;
  /** Steps of the probe the scores come from; 0 when they come from the first step. */
  readonly probeSteps: number;
  /** The proposed `peft` block (camelCase run-config form; HF `rank_pattern`/`alpha_pattern` in files). */
  readonly peft: Readonly<Record<string, unknown>>;
  /** The whole proposed run config. */
  readonly config: RunConfig;
  readonly file: string | undefined;
}

/**
 * `peftkit suggest`: which modules to adapt with LoRA, and at which rank, for this data. Builds
 * the run as `train` would (data, preprocessor, base, head; no adapter), scores every module of
 * the base LoRA can wrap (`Linear`, `Embedding`, `Conv1d`, `Conv2d`) by what a fresh LoRA adapter
 * there would do under Adam over a few training batches (`scoreModuleSensitivity`), spends the
 * budget with `allocateRanks`
 * at each kind's real LoRA cost per rank (`loraRankCost`), and proposes a LoRA config with HF
 * `rank_pattern` / `alpha_pattern` (keeping the preset's `lora_alpha / r` ratio, dropout and other
 * LoRA options). A module the preset's LoRA options rule out (e.g. an Embedding with `loraBias`,
 * anything but a Linear with PiSSA init, DoRA on a grouped conv) is scored but gets no rank. The
 * head is trained whole as in every run and is not part of the budget.
 */
export async function suggestRun(host: PeftkitHost, o: SuggestRunOptions): Promise<SuggestRunResult> {
  const { config } = o;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const nBatches = o.batches ?? 8;
  const prepared = await prepareRun(host, config, {
    readData: true,
    log,
    ...(o.origins ? { origins: o.origins } : {}),
  });
  const { parts, built } = prepared;
  const data = prepared.data!;
  const t = config.training;
  const model: AnyModule = built.headed.model;
  // The probe wraps the model in its adapter: dispose through it.
  let owner: AnyModule = model;
  try {
    const train = await trainBatchLoader(prepared, config, log);
    const where = locateCandidates(built);
    if (!where.length)
      throw new UserError(
        `suggest: the base of ${built.architecture.id} has no module LoRA could adapt (Linear, Embedding, Conv1d, Conv2d)`,
      );
    const runLora = parsedRunLora(host, config);
    const refused = refusedByLoraOptions(runLora, where);
    if (refused.size) {
      const [p, why] = [...refused][0]!;
      log(
        `suggest: ${refused.size} module(s) are scored but get no rank, as the LoRA options refuse them (e.g. ${p}: ${why})`,
      );
    }
    const context = { config: parts.headConfig, labels: data.labels };
    const head = parts.head;
    const baseParameters = model.getSubmodule(built.headed.basePath).numParameters();
    const budgetParameters =
      'percent' in o.budget
        ? Math.floor((baseParameters * o.budget.percent) / 100)
        : 'params' in o.budget
          ? o.budget.params
          : runAdapterParameters(host, config, built, log);
    const loss = (m: AnyModule, b: Parameters<typeof head.loss>[1]) =>
      head.loss(headForward(head, m, b, false, parts.headConfig), b, context);
    const probeSteps = o.probeSteps ?? DEFAULT_PROBE_STEPS;
    // One score per candidate, in `where`'s order: the probe's credit, or the first step's.
    let scored: { readonly path: string; readonly kind: LoraModuleKind; readonly score: number }[];
    if (probeSteps > 0) {
      const probe = applyPeft(host, { ...config, peft: probePeft(where) }, built, (m) =>
        log(`warning: ${m}`),
      );
      owner = probe;
      scored = await probeScores(model, where, {
        batches: train,
        loss,
        steps: probeSteps,
        lr: typeof t.lr === 'number' ? t.lr : 1e-3,
        seed: t.seed,
      });
    } else {
      scored = await scoreModuleSensitivity({
        model,
        paths: where.map((w) => w.path),
        batches: train,
        loss,
        maxBatches: nBatches,
        seed: t.seed,
      });
    }
    const rankCandidates = scored.map((s, i) => {
      const { paramsPerRank, maxRank, rankMultiple } = where[i]!.cost;
      return {
        path: s.path,
        score: s.score,
        paramsPerRank,
        maxRank: refused.has(s.path) ? 0 : maxRank,
        rankMultiple,
      };
    });
    const ranks = allocateRanks(rankCandidates, { budget: budgetParameters });
    const total = scored.reduce((n, s) => n + s.score, 0);
    const rows: SuggestRow[] = scored
      .map((s, i) => {
        const rank = ranks.get(s.path) ?? 0;
        return {
          module: s.path,
          kind: s.kind,
          role: where[i]!.role,
          layer: where[i]!.layer ?? null,
          score: s.score,
          share: total > 0 ? s.score / total : 0,
          rank,
          params: rank * where[i]!.cost.paramsPerRank,
        };
      })
      .sort((a, b) => b.score - a.score || a.module.localeCompare(b.module));
    const usedParameters = rows.reduce((n, r) => n + r.params, 0);
    if (usedParameters === 0) throw new UserError(noFitMessage(rankCandidates, budgetParameters));
    const peft = proposedPeft(config, rows, runLora ? runLora.loraAlpha / runLora.r : 2);
    const proposed = proposedConfig(config, peft);
    let file: string | undefined;
    if (o.outFile) {
      file = path.resolve(o.outFile);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(
        file,
        suggestedYaml(proposed, rows, budgetParameters, baseParameters, probeSteps),
      );
    }
    return {
      rows,
      roles: roleSummary(rows),
      baseParameters,
      budgetParameters,
      usedParameters,
      batches: nBatches,
      probeSteps,
      peft,
      config: proposed,
      file,
    };
  } finally {
    owner.dispose();
  }
}

/**
 * The probe's score of each candidate (in `where`'s order), on a model wrapped with `probePeft`:
 * the loss decrease its adapter caused over the probe (`probeAttribution`; everything else that
 * trains, the head, is credited to no one) over `log2(1 + its probe rank)`.
 */
async function probeScores<B>(
  model: AnyModule,
  where: readonly Candidate[],
  o: Omit<ProbeAttributionOptions<AnyModule, B>, 'model' | 'groups' | 'others'>,
): Promise<{ path: string; kind: LoraModuleKind; score: number }[]> {
  const trainable = model.namedParameters({ trainableOnly: true });
  const groups = new Map(
    where.map((w) => [w.path, trainable.filter(([name]) => name.startsWith(`${w.path}.`))] as const),
  );
  const grouped = new Set([...groups.values()].flat().map(([name]) => name));
  const others = trainable.filter(([name]) => !grouped.has(name));
  const attribution = await probeAttribution({ ...o, model, groups, others });
  return where.map((w) => ({
    path: w.path,
    kind: w.cost.kind,
    score: (attribution.get(w.path) ?? 0) / Math.log2(1 + probeRank(w)),
  }));
}

/**
 * What the run's own PEFT config trains besides the head: its adapter applied to the model, the
 * trainable parameters counted less the head's, and unloaded again (the model is left as it was
 * for scoring). Refused for full fine-tuning.
 */
function runAdapterParameters(
  host: PeftkitHost,
  config: RunConfig,
  built: BuiltModel,
  log: (line: string) => void,
): number {
  if (config.peft === 'full') {
    throw new UserError(
      'suggest: --budget run needs a PEFT config to match; this run fine-tunes the whole model (peft: full)',
    );
  }
  const model = built.headed.model;
  const head = config.head.trainable
    ? built.headed.headPaths.reduce((n, p) => n + model.getSubmodule(p).numParameters(), 0)
    : 0;
  const peft = applyPeft(host, config, built, (m) => log(`warning: ${m}`));
  const parameters = peft.numParameters({ trainableOnly: true }) - head;
  peft.unload();
  if (parameters < 1) {
    throw new UserError(
      `suggest: --budget run: the run's ${config.peft.peftType} config trains no parameters besides the head`,
    );
  }
  return parameters;
}

/** The probe's rank on a candidate: 4, or the next multiple a grouped conv allows, within its maxRank. */
function probeRank(c: Candidate): number {
  const m = c.cost.rankMultiple ?? 1;
  return Math.max(m, Math.min(Math.ceil(4 / m) * m, c.cost.maxRank));
}

/**
 * A plain LoRA config (alpha = 2r) with a probe-rank adapter on every candidate, also those the
 * run's own LoRA options refuse: they are scored like the others and get no rank afterwards.
 */
function probePeft(where: readonly Candidate[]): RunConfig['peft'] {
  const on = where.filter((w) => w.cost.maxRank > 0);
  const rankPattern = Object.fromEntries(on.map((w) => [w.path, probeRank(w)]));
  const alphaPattern = Object.fromEntries(on.map((w) => [w.path, 2 * probeRank(w)]));
  return {
    peftType: 'LORA',
    r: 4,
    loraAlpha: 8,
    targetModules: on.map((w) => w.path),
    rankPattern,
    alphaPattern,
  } as unknown as RunConfig['peft'];
}

function isLora(config: RunConfig): boolean {
  return config.peft !== 'full' && config.peft.peftType.toUpperCase() === 'LORA';
}

/**
 * The run's own LoRA options with LoRA's defaults applied (the proposal keeps them: its
 * `loraAlpha / r` ratio, 2 when the run is not LoRA, and what they refuse), or undefined.
 */
function parsedRunLora(host: PeftkitHost, config: RunConfig): LoraConfig | undefined {
  if (!isLora(config)) return undefined;
  return host.peftMethods.get('LORA').config.parse(config.peft) as unknown as LoraConfig;
}

interface Candidate {
  readonly path: string;
  readonly role: string;
  readonly layer: number | undefined;
  readonly module: AnyModule;
  readonly cost: LoraRankCost;
}

/** Every module of the base (not the head) LoRA can wrap, with the placement role that names it. */
function locateCandidates(built: BuiltModel): Candidate[] {
  const model = built.headed.model;
  const roleOf = new Map<string, { role: string; layer: number | undefined }>();
  for (const role of built.placement.roles) {
    for (const t of resolveRole(model, built.placement, role)) {
      if (!roleOf.has(t.path)) roleOf.set(t.path, { role, layer: t.layerIndex });
    }
  }
  const basePrefix = built.headed.basePath ? `${built.headed.basePath}.` : '';
  const inHead = (p: string) => built.headed.headPaths.some((h) => p === h || p.startsWith(`${h}.`));
  const out: Candidate[] = [];
  for (const [p, m] of model.namedModules()) {
    const cost = loraRankCost(m);
    if (!cost || !p.startsWith(basePrefix) || inHead(p)) continue;
    const r = roleOf.get(p);
    out.push({
      path: p,
      role: r?.role ?? '-',
      layer: r ? r.layer : layerIndexOf(p, built.placement),
      module: m,
      cost,
    });
  }
  return out;
}

/**
 * Candidates LoRA would refuse with the preset's own options (which the proposal keeps), by path,
 * with LoRA's reason. Checked at the candidate's smallest rank, so only option/kind conflicts
 * count (ranks are kept legal by `rankMultiple`).
 */
function refusedByLoraOptions(
  parsed: LoraConfig | undefined,
  candidates: readonly Candidate[],
): Map<string, string> {
  const out = new Map<string, string>();
  if (!parsed) return out;
  const settings = loraSettingsFor({ ...parsed, rankPattern: {}, alphaPattern: {} }, '');
  for (const c of candidates) {
    try {
      checkLoraSettings(c.module, { ...settings, r: c.cost.rankMultiple });
    } catch (err) {
      out.set(c.path, err instanceof Error ? err.message : String(err));
    }
  }
  return out;
}

/** Why nothing was adapted: the cheapest legal step, or that no module can take LoRA at all. */
function noFitMessage(candidates: readonly RankCandidate[], budget: number): string {
  let cheapest: { path: string; rank: number; params: number } | undefined;
  for (const c of candidates) {
    if (!(c.score > 0)) continue;
    const rank = allowedRanks(c)[0];
    if (rank === undefined) continue;
    if (!cheapest || rank * c.paramsPerRank < cheapest.params) {
      cheapest = { path: c.path, rank, params: rank * c.paramsPerRank };
    }
  }
  if (!cheapest) {
    return 'suggest: no module of the base both has a non-zero sensitivity and can take a LoRA rank';
  }
  return `suggest: a budget of ${budget} adapter parameters cannot fit rank ${cheapest.rank} on any module with a non-zero score (the cheapest, ${cheapest.path}, needs ${cheapest.params}); raise --budget`;
}

/**
 * The LoRA block: the adapted modules as `targetModules`, the most common rank as `r` and the
 * others in `rankPattern` (exact module paths), `loraAlpha` / `alphaPattern` keeping the
 * preset's `loraAlpha / r` ratio (2 when the preset is not LoRA).
 */
function proposedPeft(
  config: RunConfig,
  rows: readonly SuggestRow[],
  ratio: number,
): Record<string, unknown> {
  const prior = isLora(config) ? { ...(config.peft as Record<string, unknown>) } : undefined;
  const adapted = rows.filter((r) => r.rank > 0);
  const counts = new Map<number, number>();
  for (const r of adapted) counts.set(r.rank, (counts.get(r.rank) ?? 0) + 1);
  const r = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]![0];
  const rankPattern: Record<string, number> = {};
  const alphaPattern: Record<string, number> = {};
  for (const row of adapted) {
    if (row.rank === r) continue;
    rankPattern[row.module] = row.rank;
    alphaPattern[row.module] = ratio * row.rank;
  }
  const {
    targetRoles: _roles,
    targetModules: _modules,
    excludeModules: _exclude,
    layersToTransform: _layers,
    layersPattern: _pattern,
    rankPattern: _rp,
    alphaPattern: _ap,
    ...kept
  } = prior ?? {};
  return {
    ...kept,
    peftType: 'LORA',
    r,
    loraAlpha: ratio * r,
    targetModules: adapted.map((row) => row.module).sort(),
    rankPattern,
    alphaPattern,
  };
}

/** The run config to train with: the user's, with the proposed `peft` and no preset or output dir. */
function proposedConfig(config: RunConfig, peft: Record<string, unknown>): RunConfig {
  const { preset: _preset, ...rest } = config;
  const { dir: _dir, ...output } = config.output as Record<string, unknown>;
  return { ...rest, output, peft } as unknown as RunConfig;
}

function suggestedYaml(
  config: RunConfig,
  rows: readonly SuggestRow[],
  budget: number,
  base: number,
  probeSteps: number,
): string {
  const used = rows.reduce((n, r) => n + r.params, 0);
  const source = probeSteps
    ? `the loss decrease a LoRA probe on every module gave over ${probeSteps} training steps, per module`
    : 'the loss decrease per Adam step a fresh LoRA adapter would give on each module (over training batches)';
  const header = [
    `# Written by \`peftkit suggest\`: LoRA targets and per-module ranks from ${source};`,
    `# ${used} adapter parameters of a ${budget} budget (${((100 * used) / base).toFixed(3)}% of ${base} base parameters).`,
    '# Train with: peftkit train --config <this file>',
  ];
  return `${header.join('\n')}\n${toYaml(config, { lineWidth: 0 })}`;
}

function roleSummary(rows: readonly SuggestRow[]): SuggestRoleRow[] {
  const by = new Map<string, { modules: number; share: number; adapted: number; params: number }>();
  for (const r of rows) {
    const e = by.get(r.role) ?? { modules: 0, share: 0, adapted: 0, params: 0 };
    e.modules += 1;
    e.share += r.share;
    if (r.rank > 0) e.adapted += 1;
    e.params += r.params;
    by.set(r.role, e);
  }
  return [...by].map(([role, e]) => ({ role, ...e })).sort((a, b) => b.share - a.share);
}
