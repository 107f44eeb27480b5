import { stringify } from 'yaml';

/** What a pushed adapter's README.md says. */
export interface ModelCardFacts {
  readonly repo: string;
  /** The base's Hub id, when known. */
  readonly baseModel: string | undefined;
  /** PEFT method (`LORA`, `IA3`, ...). */
  readonly peftType: string;
  /** PEFT `task_type` (`SEQ_CLS`, `TOKEN_CLS`, ...): picks the Python class in the usage snippet. */
  readonly taskType: string | undefined;
  /** The head's task (`classification`, ...), when known. */
  readonly task: string | undefined;
  readonly labels: readonly string[] | undefined;
  /** The last evaluation's metrics (summary.json `finalMetrics`). */
  readonly metrics: Readonly<Record<string, number>> | undefined;
  readonly steps: number | undefined;
  readonly peftkitVersion: string;
}

/**
 * A Hugging Face model card: YAML front matter the Hub indexes (`library_name: peft`,
 * `base_model`, tags, metric names) and a body with the metrics table and how to load it.
 */
export function modelCard(f: ModelCardFacts): string {
  const metrics = Object.entries(f.metrics ?? {}).filter(([, v]) => Number.isFinite(v));
  const meta: Record<string, unknown> = {
    library_name: 'peft',
    ...(f.baseModel ? { base_model: f.baseModel } : {}),
    tags: [
      'peftkit',
      f.peftType.toLowerCase(),
      ...(f.baseModel ? [`base_model:adapter:${f.baseModel}`] : []),
      ...(f.task ? [f.task] : []),
    ],
    ...(metrics.length > 0 ? { metrics: metrics.map(([k]) => k) } : {}),
  };
  const table =
    metrics.length > 0
      ? [
          '| metric | value |',
          '|---|---|',
          ...metrics.map(([k, v]) => `| ${k} | ${Number(v.toFixed(6))} |`),
        ].join('\n')
      : 'No evaluation was recorded for this run.';
  return `---
${stringify(meta).trimEnd()}
---

# ${f.repo}

A ${f.peftType} adapter${f.baseModel ? ` for [${f.baseModel}](https://huggingface.co/${f.baseModel})` : ''}, trained with peftkit ${f.peftkitVersion}${f.steps !== undefined ? ` for ${f.steps} steps` : ''}.${f.labels ? `\n\nLabels: ${f.labels.map((l) => `\`${l}\``).join(', ')}.` : ''}

## Evaluation

${table}

## Use

\`\`\`sh
peftkit predict --adapter ${f.repo} "an input"
\`\`\`

\`\`\`python
from peft import ${pythonClass(f.taskType)}
model = ${pythonClass(f.taskType)}.from_pretrained("${f.repo}")
\`\`\`
`;
}

function pythonClass(taskType: string | undefined): string {
  if (taskType === 'SEQ_CLS') return 'AutoPeftModelForSequenceClassification';
  if (taskType === 'TOKEN_CLS') return 'AutoPeftModelForTokenClassification';
  return 'AutoPeftModel';
}
