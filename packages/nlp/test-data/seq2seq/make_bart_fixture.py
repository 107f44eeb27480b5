"""Writes tiny random BART and Marian models in exact HF layout plus reference outputs.

Run with Debian's python3-torch (no `transformers` needed):
    /usr/bin/python3 packages/nlp/test-data/seq2seq/make_bart_fixture.py

Written next to this script, for `bart` (learned positions with offset 2, layernorm_embedding,
exact GELU, forced BOS/EOS, decoder start = eos) and `marian` (sinusoidal positions recomputed,
scale_embedding, swish, no layernorm_embedding, decoder start = pad, trained final_logits_bias):
    <variant>/config.json, <variant>/model.safetensors (BartForConditionalGeneration /
                     MarianMTModel keys: model.shared, the model.encoder/decoder.embed_tokens
                     ties, Marian's fixed model.*.embed_positions.weight, final_logits_bias; no
                     lm_head.weight, tied as save_pretrained leaves it)
    <variant>/reference.json   as make_t5_fixture.py: encoder output, teacher-forced logits,
                     greedy and beam-search generations (the generate loops are shared with it).
The forward follows HF modeling_bart.py / modeling_marian.py: post-norm layers, queries scaled
by head_dim**-0.5, biases everywhere, logits = hidden @ shared.T + final_logits_bias.
"""
import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_t5_fixture import NEG, beam_search, greedy, pad_mask, rounded, save_safetensors  # noqa: E402


def cfg(kind, **over):
    c = dict(model_type=kind, vocab_size=26, d_model=16, encoder_layers=2, decoder_layers=2,
             encoder_attention_heads=4, decoder_attention_heads=2, encoder_ffn_dim=24, decoder_ffn_dim=20,
             activation_function='gelu', dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
             max_position_embeddings=20, init_std=0.02, scale_embedding=False, pad_token_id=1, bos_token_id=0,
             eos_token_id=2, decoder_start_token_id=2, forced_bos_token_id=0, forced_eos_token_id=2,
             tie_word_embeddings=True, is_encoder_decoder=True)
    c.update(over)
    return c


VARIANTS = {
    'bart': cfg('bart', architectures=['BartForConditionalGeneration']),
    'marian': cfg('marian', activation_function='swish', scale_embedding=True, pad_token_id=25, eos_token_id=0,
                  bos_token_id=0, decoder_start_token_id=25, forced_bos_token_id=None, forced_eos_token_id=0,
                  architectures=['MarianMTModel']),
}


def rnd(*shape, std=0.4):
    return (torch.randn(*shape) * std).float()


def sinusoidal(n_pos, dim):
    enc = np.array([[pos / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)] for pos in range(n_pos)])
    out = torch.zeros(n_pos, dim)
    sentinel = dim // 2 if dim % 2 == 0 else dim // 2 + 1
    out[:, 0:sentinel] = torch.FloatTensor(np.sin(enc[:, 0::2]))
    out[:, sentinel:] = torch.FloatTensor(np.cos(enc[:, 1::2]))
    return out


def state(c):
    sd = {}
    E = c['d_model']
    sd['model.shared.weight'] = rnd(c['vocab_size'], E, std=1.0)
    for stack in ('encoder', 'decoder'):
        p = f'model.{stack}.'
        if c['model_type'] == 'bart':
            sd[p + 'embed_positions.weight'] = rnd(c['max_position_embeddings'] + 2, E, std=0.5)
            sd[p + 'layernorm_embedding.weight'] = 1 + rnd(E, std=0.2)
            sd[p + 'layernorm_embedding.bias'] = rnd(E, std=0.1)
        ffn = c[f'{stack}_ffn_dim']
        for i in range(c[f'{stack}_layers']):
            q = f'{p}layers.{i}.'
            for attn in ['self_attn'] + (['encoder_attn'] if stack == 'decoder' else []):
                for proj in ['k_proj', 'v_proj', 'q_proj', 'out_proj']:
                    sd[f'{q}{attn}.{proj}.weight'] = rnd(E, E)
                    sd[f'{q}{attn}.{proj}.bias'] = rnd(E, std=0.1)
                sd[f'{q}{attn}_layer_norm.weight'] = 1 + rnd(E, std=0.2)
                sd[f'{q}{attn}_layer_norm.bias'] = rnd(E, std=0.1)
            sd[q + 'fc1.weight'] = rnd(ffn, E)
            sd[q + 'fc1.bias'] = rnd(ffn, std=0.1)
            sd[q + 'fc2.weight'] = rnd(E, ffn, std=0.3)
            sd[q + 'fc2.bias'] = rnd(E, std=0.1)
            sd[q + 'final_layer_norm.weight'] = 1 + rnd(E, std=0.2)
            sd[q + 'final_layer_norm.bias'] = rnd(E, std=0.1)
    sd['final_logits_bias'] = rnd(1, c['vocab_size'], std=0.5) if c['model_type'] == 'marian' else torch.zeros(1, c['vocab_size'])
    return sd


def ln(x, sd, p):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], sd[p + '.weight'], sd[p + '.bias'], 1e-5)


def lin(x, sd, p):
    return x @ sd[p + '.weight'].T + sd[p + '.bias']


def act(c, x):
    return torch.nn.functional.gelu(x) if c['activation_function'] == 'gelu' else torch.nn.functional.silu(x)


def attend(sd, p, x, src, bias, heads):
    B, T, E = x.shape
    D = E // heads

    def split(t):
        return t.view(B, -1, heads, D).transpose(1, 2)
    q = split(lin(x, sd, p + 'q_proj') * D ** -0.5)
    k, v = split(lin(src, sd, p + 'k_proj')), split(lin(src, sd, p + 'v_proj'))
    ctx = torch.softmax(q @ k.transpose(2, 3) + bias, -1) @ v
    return lin(ctx.transpose(1, 2).reshape(B, T, E), sd, p + 'out_proj')


def embed(sd, c, stack, ids):
    x = sd['model.shared.weight'][ids] * (math.sqrt(c['d_model']) if c['scale_embedding'] else 1.0)
    T = ids.shape[1]
    if c['model_type'] == 'bart':
        x = x + sd[f'model.{stack}.embed_positions.weight'][torch.arange(T) + 2]
        return ln(x, sd, f'model.{stack}.layernorm_embedding')
    return x + sinusoidal(c['max_position_embeddings'], c['d_model'])[:T]


def ffn(sd, c, q, x):
    return ln(x + lin(act(c, lin(x, sd, q + 'fc1')), sd, q + 'fc2'), sd, q + 'final_layer_norm')


def bart_encode(sd, c, ids, mask):
    x = embed(sd, c, 'encoder', ids)
    bias = pad_mask(mask)
    for i in range(c['encoder_layers']):
        q = f'model.encoder.layers.{i}.'
        x = ln(x + attend(sd, q + 'self_attn.', x, x, bias, c['encoder_attention_heads']), sd, q + 'self_attn_layer_norm')
        x = ffn(sd, c, q, x)
    return x


def bart_decode(sd, c, dec, enc, enc_mask):
    x = embed(sd, c, 'decoder', dec)
    T = dec.shape[1]
    causal = torch.triu(torch.full((T, T), NEG), 1)[None, None]
    cross = pad_mask(enc_mask)
    h = c['decoder_attention_heads']
    for i in range(c['decoder_layers']):
        q = f'model.decoder.layers.{i}.'
        x = ln(x + attend(sd, q + 'self_attn.', x, x, causal, h), sd, q + 'self_attn_layer_norm')
        x = ln(x + attend(sd, q + 'encoder_attn.', x, enc, cross, h), sd, q + 'encoder_attn_layer_norm')
        x = ffn(sd, c, q, x)
    return x @ sd['model.shared.weight'].T + sd['final_logits_bias']


def main():
    model = (bart_encode, bart_decode)
    for seed, (name, c) in enumerate(VARIANTS.items()):
        torch.manual_seed(200 + seed)
        sd = state(c)
        out = os.path.join(HERE, name)
        os.makedirs(out, exist_ok=True)
        files = dict(sd)
        for stack in ('encoder', 'decoder'):
            files[f'model.{stack}.embed_tokens.weight'] = sd['model.shared.weight']
            if c['model_type'] == 'marian':
                files[f'model.{stack}.embed_positions.weight'] = sinusoidal(c['max_position_embeddings'], c['d_model'])
        save_safetensors(os.path.join(out, 'model.safetensors'), files)
        with open(os.path.join(out, 'config.json'), 'w') as f:
            json.dump(c, f, indent=2)
        pad, eos, start = c['pad_token_id'], c['eos_token_id'], c['decoder_start_token_id']
        ids = torch.tensor([[5, 9, 3, 17, 8, 21, 11, eos], [7, 4, 14, eos, pad, pad, pad, pad]])
        mask = (torch.arange(8)[None, :] < torch.tensor([[8], [4]])).long()
        dec = torch.tensor([[start, 4, 12, 6, 19, 3, 10], [start, 13, 5, 5, 9, 22, 6]])
        gen = {'max_length': 10, 'eos': eos, 'forced_bos': c['forced_bos_token_id'], 'forced_eos': c['forced_eos_token_id']}
        with torch.no_grad():
            enc = bart_encode(sd, c, ids, mask)
            logits = bart_decode(sd, c, dec, enc, mask)
            ref = {
                'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'decoder_input_ids': dec.tolist(),
                'encoder_shape': list(enc.shape), 'encoder': rounded(enc),
                'logits_shape': list(logits.shape), 'logits': rounded(logits),
                'greedy': {'options': gen, 'tokens': greedy(sd, c, ids, mask, gen, model)},
                'greedy_min_length': {'options': dict(gen, min_length=6, no_repeat_ngram_size=2),
                                      'tokens': greedy(sd, c, ids, mask, dict(gen, min_length=6, no_repeat_ngram_size=2), model)},
                'beam': [],
            }
            for bo in [dict(gen, num_beams=3, length_penalty=1.0, early_stopping=False),
                       dict(gen, num_beams=4, length_penalty=0.6, early_stopping=True),
                       dict(gen, num_beams=2, length_penalty=2.0, early_stopping=False, no_repeat_ngram_size=2, min_length=4)]:
                ref['beam'].append({'options': bo, 'results': beam_search(sd, c, ids, mask, bo, model)})
        with open(os.path.join(out, 'reference.json'), 'w') as f:
            json.dump(ref, f)
        print(name, 'greedy', ref['greedy']['tokens'], 'beam', [r['results'] for r in ref['beam']])


if __name__ == '__main__':
    main()
