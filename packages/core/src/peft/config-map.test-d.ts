/**
 * Type tests for typed PEFT configs, checked by `pnpm typecheck` (never run). Every
 * `@ts-expect-error` below must see an error: if the typing stops catching one of these
 * mistakes, the directive itself becomes the error and typecheck fails.
 */
import type { Module } from '../nn/index.js';
import type { Preset } from '../plugin/preset.js';
import type { PeftConfigInput } from './config-map.js';
import { getPeftModel, PeftModel } from './peft-model.js';

declare const model: Module;

export function typedConfigs(): void {
  getPeftModel(model, { peftType: 'LORA', r: 8, loraAlpha: 16, targetRoles: ['attn.q', 'attn.v'] });
  getPeftModel(model, {
    peftType: 'lora',
    targetModules: ['query', 'value'] as const,
    initLoraWeights: 'pissa_niter_4',
  });
  getPeftModel(model, {
    peftType: 'IA3',
    targetModules: ['key', 'output.dense'],
    feedforwardModules: ['output.dense'],
  });
  getPeftModel(model, { peftType: 'BOTTLENECK', variant: 'houlsby', reductionFactor: 8 });

  // @ts-expect-error misspelled LoRA field (HF's snake_case): lora_alpah is not a LORA field
  getPeftModel(model, { peftType: 'LORA', r: 8, lora_alpah: 16 });
  // @ts-expect-error misspelled LoRA field (camelCase): loraAlpah is not a LORA field
  getPeftModel(model, { peftType: 'LORA', loraAlpah: 16 });
  // @ts-expect-error a field of another method: feedforwardModules belongs to IA3
  getPeftModel(model, { peftType: 'LORA', feedforwardModules: ['output.dense'] });
  // @ts-expect-error a wrong value type
  getPeftModel(model, { peftType: 'LORA', r: '8' });
  // @ts-expect-error a value outside the accepted ones
  getPeftModel(model, { peftType: 'LORA', initLoraWeights: 'olora' });
  // @ts-expect-error an unknown method
  getPeftModel(model, { peftType: 'LORAA' });
  // @ts-expect-error addAdapter checks the same way
  new PeftModel(model).addAdapter('other', { peftType: 'IA3', feedforwardModule: [] });

  // Configs built at run time enter through a cast; the method's schema checks them.
  const fromJson = JSON.parse('{"peftType": "LORA"}') as Record<string, unknown>;
  // @ts-expect-error an untyped record is not a typed config
  getPeftModel(model, fromJson);
  getPeftModel(model, fromJson as PeftConfigInput);
}

export const presets: Preset[] = [
  {
    id: 'x/typed',
    domain: 'x',
    task: 'y',
    description: 'a preset peft block is typed like getPeftModel config',
    config: { peft: { peftType: 'LORA', r: 4, targetRoles: ['attn.q'] } },
  },
  {
    id: 'x/typo',
    domain: 'x',
    task: 'y',
    description: 'a misspelled field in a preset peft block',
    // @ts-expect-error misspelled LoRA field in a preset
    config: { peft: { peftType: 'LORA', loraAlpah: 4 } },
  },
];
