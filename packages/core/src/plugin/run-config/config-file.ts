import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { checkJsonDepth, depthError } from '../../io/bounded-read.js';
import { checkLimit, DEFAULT_INPUT_LIMITS } from '../../io/input-limits.js';
import { isPlainObject } from '../json.js';
import { UserError } from '../user-error.js';
import type { ConfigLayer } from './deep-merge.js';
import { assertNoUnsafeKeys } from './unsafe-keys.js';

/**
 * Reads a run config file: `.json` as JSON, anything else (`.yaml`, `.yml`) as YAML (a superset
 * of JSON). Paths inside it are used as written, relative to the working directory.
 *
 * @example
 * const layer = await loadConfigFile('runs/base.yaml'); // { name: 'config file runs/base.yaml', value }
 */
export async function loadConfigFile(file: string): Promise<ConfigLayer> {
  const name = `config file ${file}`;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${name}: ${code === 'ENOENT' ? 'not found' : (err as Error).message}`, 2, {
      cause: err,
    });
  }
  // A run's own `limits` are not known before its config is read: config files get the defaults.
  checkLimit(DEFAULT_INPUT_LIMITS, 'maxFileBytes', text.length, `${name} holds`);
  let value: unknown;
  try {
    value = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    if (err instanceof RangeError || /Maximum call stack/.test(String((err as Error).message)))
      throw depthError(name, DEFAULT_INPUT_LIMITS);
    const where =
      err instanceof YAMLParseError && err.linePos
        ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}`
        : '';
    const first = ((err as Error).message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`${name}: cannot parse${where}: ${first}`, 2, { cause: err });
  }
  checkJsonDepth(value, name);
  if (value === null || value === undefined) value = {};
  if (!isPlainObject(value))
    throw new UserError(
      `${name}: must hold a mapping of fields, got ${Array.isArray(value) ? 'a list' : typeof value}`,
    );
  assertNoUnsafeKeys(value, name);
  return { name, value };
}

/**
 * Turns `--set a.b.c=value` assignments into one layer each; values are parsed as YAML, so
 * `training.lr=5e-4` is a number, `peft.targetRoles=[attn.q, attn.v]` a list, `x=true` a boolean.
 *
 * @example
 * setFlagLayers(['training.lr=5e-4']); // [{ name: '--set training.lr=5e-4', value: { training: { lr: 0.0005 } } }]
 */
export function setFlagLayers(assignments: readonly string[]): ConfigLayer[] {
  return assignments.map((a) => {
    const eq = a.indexOf('=');
    const key = eq < 0 ? '' : a.slice(0, eq).trim();
    if (!key || !/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(key)) {
      throw new UserError(`--set ${a}: expected <dotted.path>=<value>, e.g. --set training.lr=5e-4`);
    }
    assertNoUnsafeKeys(nest(key.split('.'), null), `--set ${a}`);
    const raw = a.slice(eq + 1);
    let v: unknown;
    try {
      v = raw.trim() === '' ? '' : parseYaml(raw);
    } catch {
      v = raw;
    }
    assertNoUnsafeKeys(v, `--set ${a}`, key.split('.'));
    return { name: `--set ${a}`, value: nest(key.split('.'), v) };
  });
}

/** `{ a: { b: value } }` from `['a', 'b']`. */
export function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i] as string]: out };
  return out as Record<string, unknown>;
}
