import type { PeftConfig } from './config.js';
import type { PeftMethod } from './method.js';

/** What a `PeftModel` keeps per named adapter. */
export interface AdapterEntry {
  config: Readonly<PeftConfig>;
  method: PeftMethod;
  targets: string[];
  /** Method-resolved fields written to `adapter_config.json` (see `InjectReport.fileConfig`). */
  fileConfig: Readonly<Record<string, unknown>>;
  modulesToSave: string[];
  extraFileKeys: Record<string, unknown>;
}
