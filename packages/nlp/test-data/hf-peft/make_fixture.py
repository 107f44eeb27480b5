"""Writes a tiny Hugging Face BERT classifier + two HF PEFT LoRA adapters, in exact HF layout.

Run with Debian's python3-torch (no `transformers`/`peft` needed):
    /usr/bin/python3 packages/nlp/test-data/hf-peft/make_fixture.py

Layout written next to this script:
    base/            BertForSequenceClassification.save_pretrained(): config.json (id2label),
                     model.safetensors (bert.* + classifier.*), vocab.txt, tokenizer_config.json
    adapter-clf/     PeftModel.save_pretrained() of LoRA(query, value) + modules_to_save
                     ["classifier", "score"] (task_type SEQ_CLS): the trained classifier copy is
                     saved under base_model.model.classifier.* (get_peft_model_state_dict drops
                     "modules_to_save.default")
    adapter-qkv/     LoRA(query, key, value), no modules_to_save: the head comes from the base
    reference.json   texts, their token ids and the class probabilities of a hand-written forward
                     (HF modeling_bert: post-LN encoder, exact GELU, tanh pooler on [CLS])
    hf-keys.json     the key set HF's BertForSequenceClassification state_dict has for this config
                     (what a merged checkpoint must hold)
"""
import json
import math
import os
import re

import torch
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1234)

VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'movie', 'was', 'great', 'bad', 'boring',
         'plot', 'acting', 'loved', 'it', 'not', 'good', 'fun', 'and', 'a', 'film', 'terrible', '!', '.', ',']
LABELS = ['negative', 'neutral', 'positive']
CFG = dict(vocab_size=len(VOCAB), hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
           intermediate_size=16, max_position_embeddings=32, type_vocab_size=2, layer_norm_eps=1e-12,
           hidden_act='gelu', hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
           initializer_range=0.2, pad_token_id=0, position_embedding_type='absolute')
H, L, NH, FF = CFG['hidden_size'], CFG['num_hidden_layers'], CFG['num_attention_heads'], CFG['intermediate_size']


def rnd(*shape, std=0.3):
    return (torch.randn(*shape) * std).float()


def base_state():
    sd = {}
    sd['bert.embeddings.word_embeddings.weight'] = rnd(CFG['vocab_size'], H, std=0.5)
    sd['bert.embeddings.position_embeddings.weight'] = rnd(CFG['max_position_embeddings'], H, std=0.5)
    sd['bert.embeddings.token_type_embeddings.weight'] = rnd(2, H, std=0.5)
    sd['bert.embeddings.LayerNorm.weight'] = 1 + rnd(H, std=0.1)
    sd['bert.embeddings.LayerNorm.bias'] = rnd(H, std=0.1)
    for i in range(L):
        p = f'bert.encoder.layer.{i}.'
        for name in ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']:
            sd[p + name + '.weight'] = rnd(H, H, std=0.4)
            sd[p + name + '.bias'] = rnd(H, std=0.1)
        sd[p + 'attention.output.LayerNorm.weight'] = 1 + rnd(H, std=0.1)
        sd[p + 'attention.output.LayerNorm.bias'] = rnd(H, std=0.1)
        sd[p + 'intermediate.dense.weight'] = rnd(FF, H, std=0.4)
        sd[p + 'intermediate.dense.bias'] = rnd(FF, std=0.1)
        sd[p + 'output.dense.weight'] = rnd(H, FF, std=0.4)
        sd[p + 'output.dense.bias'] = rnd(H, std=0.1)
        sd[p + 'output.LayerNorm.weight'] = 1 + rnd(H, std=0.1)
        sd[p + 'output.LayerNorm.bias'] = rnd(H, std=0.1)
    sd['bert.pooler.dense.weight'] = rnd(H, H, std=0.5)
    sd['bert.pooler.dense.bias'] = rnd(H, std=0.1)
    sd['classifier.weight'] = rnd(len(LABELS), H, std=0.8)
    sd['classifier.bias'] = rnd(len(LABELS), std=0.2)
    return sd


def lora_state(targets, r, with_classifier):
    """HF PEFT's saved keys: base_model.model.<module>.lora_A.weight ([r, in]) / lora_B.weight ([out, r])."""
    sd = {}
    for i in range(L):
        for t in targets:
            k = f'base_model.model.bert.encoder.layer.{i}.attention.self.{t}'
            sd[k + '.lora_A.weight'] = rnd(r, H, std=0.5)
            sd[k + '.lora_B.weight'] = rnd(H, r, std=0.5)  # trained: non-zero
    if with_classifier:
        sd['base_model.model.classifier.weight'] = rnd(len(LABELS), H, std=0.8)
        sd['base_model.model.classifier.bias'] = rnd(len(LABELS), std=0.2)
    return sd


def adapter_config(targets, r, alpha, modules_to_save):
    # The fields PEFT 0.13's LoraConfig writes (to_dict of the dataclass).
    return {
        'alpha_pattern': {}, 'auto_mapping': None, 'base_model_name_or_path': '../base', 'bias': 'none',
        'fan_in_fan_out': False, 'inference_mode': True, 'init_lora_weights': True, 'layer_replication': None,
        'layers_pattern': None, 'layers_to_transform': None, 'loftq_config': {}, 'lora_alpha': alpha,
        'lora_dropout': 0.1, 'megatron_config': None, 'megatron_core': 'megatron.core',
        'modules_to_save': modules_to_save, 'peft_type': 'LORA', 'r': r, 'rank_pattern': {}, 'revision': None,
        'target_modules': targets, 'task_type': 'SEQ_CLS', 'use_dora': False, 'use_rslora': False,
    }


def merged(base, lora, alpha, r):
    sd = dict(base)
    for k, a in lora.items():
        if not k.endswith('.lora_A.weight'):
            continue
        mod = k[len('base_model.model.'):-len('.lora_A.weight')]
        b = lora[k.replace('lora_A', 'lora_B')]
        sd[mod + '.weight'] = sd[mod + '.weight'] + (alpha / r) * (b @ a)
    for k in ['classifier.weight', 'classifier.bias']:
        if 'base_model.model.' + k in lora:
            sd[k] = lora['base_model.model.' + k]
    return sd


def layer_norm(x, w, b):
    return torch.nn.functional.layer_norm(x, (H,), w, b, CFG['layer_norm_eps'])


def forward(sd, ids):
    """modeling_bert.BertForSequenceClassification in eval mode, one unpadded sequence."""
    ids = torch.tensor([ids])
    n = ids.shape[1]
    x = (sd['bert.embeddings.word_embeddings.weight'][ids]
         + sd['bert.embeddings.position_embeddings.weight'][torch.arange(n)][None]
         + sd['bert.embeddings.token_type_embeddings.weight'][torch.zeros_like(ids)])
    x = layer_norm(x, sd['bert.embeddings.LayerNorm.weight'], sd['bert.embeddings.LayerNorm.bias'])
    lin = lambda t, k: t @ sd[k + '.weight'].T + sd[k + '.bias']
    dh = H // NH
    for i in range(L):
        p = f'bert.encoder.layer.{i}.'
        split = lambda t: t.view(1, n, NH, dh).transpose(1, 2)
        q, k, v = (split(lin(x, p + 'attention.self.' + m)) for m in ['query', 'key', 'value'])
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(1, n, H)
        x = layer_norm(lin(ctx, p + 'attention.output.dense') + x,
                       sd[p + 'attention.output.LayerNorm.weight'], sd[p + 'attention.output.LayerNorm.bias'])
        ff = torch.nn.functional.gelu(lin(x, p + 'intermediate.dense'))
        x = layer_norm(lin(ff, p + 'output.dense') + x, sd[p + 'output.LayerNorm.weight'], sd[p + 'output.LayerNorm.bias'])
    pooled = torch.tanh(lin(x[:, 0], 'bert.pooler.dense'))
    return torch.softmax(lin(pooled, 'classifier'), dim=-1)[0].tolist()


def tokenize(text):
    words = re.findall(r"\w+|[^\w\s]", text.lower())
    return [2] + [VOCAB.index(w) if w in VOCAB else 1 for w in words] + [3]


def save(path, tensors, metadata=None):
    """A safetensors file per the spec (the `safetensors` wheel is not in Debian): F32, sorted keys."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for k in sorted(tensors):
        b = tensors[k].contiguous().float().numpy().astype('<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(tensors[k].shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write('\n')


def main():
    base = base_state()
    a_lora = lora_state(['query', 'value'], 2, True)
    q_lora = lora_state(['query', 'key', 'value'], 4, False)
    os.makedirs(os.path.join(HERE, 'base'), exist_ok=True)
    os.makedirs(os.path.join(HERE, 'adapter-clf'), exist_ok=True)
    os.makedirs(os.path.join(HERE, 'adapter-qkv'), exist_ok=True)
    config = dict(CFG, model_type='bert', architectures=['BertForSequenceClassification'],
                  id2label={str(i): l for i, l in enumerate(LABELS)},
                  label2id={l: i for i, l in enumerate(LABELS)}, torch_dtype='float32')
    write_json(os.path.join(HERE, 'base', 'config.json'), config)
    save(os.path.join(HERE, 'base', 'model.safetensors'), base, {'format': 'pt'})
    with open(os.path.join(HERE, 'base', 'vocab.txt'), 'w') as f:
        f.write('\n'.join(VOCAB) + '\n')
    write_json(os.path.join(HERE, 'base', 'tokenizer_config.json'),
               {'do_lower_case': True, 'tokenizer_class': 'BertTokenizer', 'model_max_length': 32})
    save(os.path.join(HERE, 'adapter-clf', 'adapter_model.safetensors'), a_lora, {'format': 'pt'})
    write_json(os.path.join(HERE, 'adapter-clf', 'adapter_config.json'),
               adapter_config(['query', 'value'], 2, 4, ['classifier', 'score']))
    save(os.path.join(HERE, 'adapter-qkv', 'adapter_model.safetensors'), q_lora, {'format': 'pt'})
    write_json(os.path.join(HERE, 'adapter-qkv', 'adapter_config.json'),
               adapter_config(['query', 'key', 'value'], 4, 8, None))

    texts = ['The movie was great!', 'Boring plot, bad acting.', 'not good and not terrible', 'I loved it.']
    m_clf = merged(base, a_lora, 4, 2)
    m_qkv = merged(base, q_lora, 8, 4)
    ref = {
        'labels': LABELS,
        'texts': texts,
        'ids': [tokenize(t) for t in texts],
        'base': [forward(base, tokenize(t)) for t in texts],
        'adapter-clf': [forward(m_clf, tokenize(t)) for t in texts],
        'adapter-qkv': [forward(m_qkv, tokenize(t)) for t in texts],
    }
    write_json(os.path.join(HERE, 'reference.json'), ref)
    # BertForSequenceClassification(config).state_dict() keys for this config (pooler included;
    # position_ids is a non-persistent buffer in current transformers, so it is not saved).
    write_json(os.path.join(HERE, 'hf-keys.json'), sorted(base.keys()))


if __name__ == '__main__':
    main()
