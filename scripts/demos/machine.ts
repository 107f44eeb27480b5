import * as os from 'node:os';
import type { BackendReport } from '@peftkit/core';

/** Where the numbers were measured: enough to judge a wall time. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly backend: string;
  readonly simd: boolean;
}

export function machineInfo(backend: BackendReport): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    backend: backend.backend,
    simd: backend.simd,
  };
}

/** One line for people: `2 x Intel(...), 7.8 GiB, Linux 6.1 (x64), Node v20.19.0, tfjs wasm (SIMD)`. */
export function describeMachine(m: MachineInfo): string {
  const backend = m.backend === 'wasm' ? `wasm${m.simd ? ' (SIMD)' : ''}` : m.backend;
  return `${m.cores} x ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, tfjs ${backend}`;
}
