"""Writes an HF PEFT LoRA adapter for the tiny T5 fixture (t5-v1_0) and what PyTorch generates
with it, for the plain-HF-directory tests (`peftkit predict --adapter <dir>` on an HF base).

Run with Debian's python3-torch (no `transformers`/`peft` needed):
    /usr/bin/python3 packages/nlp/test-data/seq2seq/make_lora_fixture.py

Written to t5-v1_0-lora/:
    adapter_config.json        PEFT's LoraConfig fields (task_type SEQ_2_SEQ_LM, r 2, alpha 4, q/v)
    adapter_model.safetensors  base_model.model.<module>.lora_A/B.weight in PyTorch layout
    reference.json             source ids, and the greedy generations (HF's default max_length 20,
                               as `generate()` without generation_config.json) of the base and of
                               the base with the LoRA merged (W + B @ A * alpha / r)
"""
import json
import os
import struct

import numpy as np
import torch

from make_t5_fixture import HERE, greedy, save_safetensors


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        a, b = v['data_offsets']
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).copy()).reshape(v['shape'])
    return out


def main():
    torch.manual_seed(7)
    base = os.path.join(HERE, 't5-v1_0')
    c = json.load(open(os.path.join(base, 'config.json')))
    sd = load_safetensors(os.path.join(base, 'model.safetensors'))
    r, alpha = 2, 4
    adapter, merged = {}, dict(sd)
    for k in sorted(sd):
        if not (k.endswith('.q.weight') or k.endswith('.v.weight')):
            continue
        w = sd[k]
        a = (torch.randn(r, w.shape[1]) * 0.5).float()
        b = (torch.randn(w.shape[0], r) * 0.5).float()
        module = k[: -len('.weight')]
        adapter[f'base_model.model.{module}.lora_A.weight'] = a
        adapter[f'base_model.model.{module}.lora_B.weight'] = b
        merged[k] = w + b @ a * (alpha / r)
    out = os.path.join(HERE, 't5-v1_0-lora')
    os.makedirs(out, exist_ok=True)
    save_safetensors(os.path.join(out, 'adapter_model.safetensors'), adapter)
    config = {
        'peft_type': 'LORA', 'task_type': 'SEQ_2_SEQ_LM', 'base_model_name_or_path': '../t5-v1_0',
        'r': r, 'lora_alpha': alpha, 'lora_dropout': 0.0, 'target_modules': ['q', 'v'], 'bias': 'none',
        'fan_in_fan_out': False, 'modules_to_save': None, 'inference_mode': True, 'use_rslora': False,
        'init_lora_weights': True, 'revision': None,
    }
    with open(os.path.join(out, 'adapter_config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    ids = torch.tensor([[5, 9, 3, 17, 8, 21, 11, 1], [7, 20, 14, 1, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    gen = {'max_length': 20, 'eos': c['eos_token_id']}
    with torch.no_grad():
        ref = {
            'input_ids': ids.tolist(),
            'base': greedy(sd, c, ids, mask, gen),
            'adapter': greedy(merged, c, ids, mask, gen),
        }
    with open(os.path.join(out, 'reference.json'), 'w') as f:
        json.dump(ref, f)
    print('base', ref['base'], '\nadapter', ref['adapter'])


if __name__ == '__main__':
    main()
