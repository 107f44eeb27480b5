"""Reference outputs of prompt tuning and prefix tuning on the tiny T5 and BART fixtures, written
by hand after HF PEFT's PeftModelForSeq2SeqLM and transformers' T5 / BART cache handling.

Run with Debian's python3-torch (no `transformers` / `peft` needed), after make_t5_fixture.py and
make_bart_fixture.py (it reads their model.safetensors and reference.json):
    /usr/bin/python3 packages/nlp/test-data/seq2seq/make_prompt_learning_fixture.py

Writes <variant>/prompt-learning.json for t5-v1_0, bart and marian:
    prompt           [2P, d_model]: PROMPT_TUNING's prompt_embeddings with num_transformer_submodules
                     2 (HF's SEQ_2_SEQ_LM); only the first P rows reach the model
    prompt_logits    teacher-forced logits: the first P prompt rows in front of the encoder input
                     embeddings (BART: after embed_scale, which lives in `shared`; Marian: without
                     it, as MarianEncoder scales only ids it embeds itself), the source mask
                     extended with P ones (encoder self-attention and cross-attention), encoder
                     positions / relative buckets over P + S positions; the decoder unchanged
    prefix           [P, num_layers * 2 * token_dim]: PREFIX_TUNING's prompt_embeddings
    prefix_logits    teacher-forced logits with HF's get_prompt layout for 2 submodules: the
                     [B, P, L*2, H, D] view doubled along the layer axis, permuted, split in groups
                     of 4 per decoder layer (self k, self v, cross k, cross v); the cross pair is
                     dropped (PEFT empties the cross-attention cache) and the encoder gets nothing.
                     The self pair is the decoder's past: positions (BART's learned ones, T5's
                     relative buckets) start at P and the causal mask lets every query see the prefix.
    *_greedy         greedy generation (max_length 10) with each adapter, re-running the full decoder
                     every step (the reference loop of make_t5_fixture.py).
"""
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_bart_fixture as bart  # noqa: E402
import make_t5_fixture as t5  # noqa: E402

P = 3


def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        a, b = v['data_offsets']
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(v['shape']).clone()
    return out


def hf_prefix_layers(prefix, batch, num_layers, heads, token_dim):
    """PeftModel.get_prompt for PREFIX_TUNING with num_transformer_submodules 2, written out."""
    pkv = prefix.unsqueeze(0).expand(batch, -1, -1)
    pkv = pkv.reshape(batch, P, num_layers * 2, heads, token_dim // heads)
    pkv = torch.cat([pkv, pkv], dim=2)
    groups = pkv.permute([2, 0, 3, 1, 4]).split(4)
    # EncoderDecoderCache: (self k, self v) per decoder layer; the cross cache is replaced by an
    # empty one, so cross-attention reads the encoder output as without a prefix.
    return [(g[0], g[1]) for g in groups]


# ---- T5 ----

def t5_encode_embeds(sd, c, x, mask):
    T = x.shape[1]
    bias = t5.position_bias(sd, c, 'encoder.block.0.layer.0.SelfAttention.', T, T, False) + t5.pad_mask(mask)
    for i in range(c['num_layers']):
        p = f'encoder.block.{i}.layer.'
        h = t5.rms(x, sd[p + '0.layer_norm.weight'], c['layer_norm_epsilon'])
        x = x + t5.attend(sd, c, p + '0.SelfAttention.', h, h, bias)
        x = t5.ff(sd, c, p + '1.', x)
    return t5.rms(x, sd['encoder.final_layer_norm.weight'], c['layer_norm_epsilon'])


def t5_self_attend_past(sd, c, prefix, x, past, bias):
    B, T, _ = x.shape
    H, D = c['num_heads'], c['d_kv']

    def heads(t):
        return t.view(B, -1, H, D).transpose(1, 2)
    q = heads(x @ sd[prefix + 'q.weight'].T)
    k = torch.cat([past[0], heads(x @ sd[prefix + 'k.weight'].T)], 2)
    v = torch.cat([past[1], heads(x @ sd[prefix + 'v.weight'].T)], 2)
    ctx = torch.softmax(q @ k.transpose(2, 3) + bias, -1) @ v
    return ctx.transpose(1, 2).reshape(B, T, H * D) @ sd[prefix + 'o.weight'].T


def t5_decode_prefix(sd, c, dec, enc, enc_mask, layers):
    x = sd['shared.weight'][dec]
    T = dec.shape[1]
    # HF: cache_position = past .. past + T - 1, so queries sit after the prefix.
    bias = t5.position_bias(sd, c, 'decoder.block.0.layer.0.SelfAttention.', T, P + T, True, past=P)
    bias = bias + torch.triu(torch.full((T, P + T), t5.NEG), P + 1)[None, None]
    cross = t5.pad_mask(enc_mask)
    for i in range(c['num_decoder_layers']):
        p = f'decoder.block.{i}.layer.'
        h = t5.rms(x, sd[p + '0.layer_norm.weight'], c['layer_norm_epsilon'])
        x = x + t5_self_attend_past(sd, c, p + '0.SelfAttention.', h, layers[i], bias)
        h = t5.rms(x, sd[p + '1.layer_norm.weight'], c['layer_norm_epsilon'])
        x = x + t5.attend(sd, c, p + '1.EncDecAttention.', h, enc, cross)
        x = t5.ff(sd, c, p + '2.', x)
    x = t5.rms(x, sd['decoder.final_layer_norm.weight'], c['layer_norm_epsilon'])
    if c['tie_word_embeddings']:
        return (x * c['d_model'] ** -0.5) @ sd['shared.weight'].T
    return x @ sd['lm_head.weight'].T


def t5_models(sd, c, prompt, prefix):
    token_dim = c['num_heads'] * c['d_kv']

    def prompt_encode(sd_, c_, ids, mask):
        x = torch.cat([prompt[:P].unsqueeze(0).expand(ids.shape[0], -1, -1), sd['shared.weight'][ids]], 1)
        return t5_encode_embeds(sd, c, x, with_prompt(mask))

    def prompt_decode(sd_, c_, dec, enc, mask):
        return t5.t5_decode(sd, c, dec, enc, with_prompt(mask))

    def prefix_decode(sd_, c_, dec, enc, mask):
        layers = hf_prefix_layers(prefix, dec.shape[0], c['num_layers'], c['num_heads'], token_dim)
        return t5_decode_prefix(sd, c, dec, enc, mask, layers)
    return (prompt_encode, prompt_decode), (t5.t5_encode, prefix_decode), token_dim


# ---- BART ----

def bart_encode_embeds(sd, c, x, mask):
    """The encoder given inputs_embeds: BART adds its learned positions (+ the offset 2) and
    layernorm_embedding; MarianEncoder adds sinusoidal positions 0 .. T-1 and does NOT multiply by
    embed_scale (it only scales token ids it embeds itself)."""
    T = x.shape[1]
    if c['model_type'] == 'bart':
        x = x + sd['model.encoder.embed_positions.weight'][torch.arange(T) + 2]
        x = bart.ln(x, sd, 'model.encoder.layernorm_embedding')
    else:
        x = x + bart.sinusoidal(c['max_position_embeddings'], c['d_model'])[:T]
    bias = t5.pad_mask(mask)
    for i in range(c['encoder_layers']):
        q = f'model.encoder.layers.{i}.'
        x = bart.ln(x + bart.attend(sd, q + 'self_attn.', x, x, bias, c['encoder_attention_heads']), sd,
                    q + 'self_attn_layer_norm')
        x = bart.ffn(sd, c, q, x)
    return x


def bart_self_attend_past(sd, p, x, past, bias, heads):
    B, T, E = x.shape
    D = E // heads

    def split(t):
        return t.view(B, -1, heads, D).transpose(1, 2)
    q = split(bart.lin(x, sd, p + 'q_proj') * D ** -0.5)
    k = torch.cat([past[0], split(bart.lin(x, sd, p + 'k_proj'))], 2)
    v = torch.cat([past[1], split(bart.lin(x, sd, p + 'v_proj'))], 2)
    ctx = torch.softmax(q @ k.transpose(2, 3) + bias, -1) @ v
    return bart.lin(ctx.transpose(1, 2).reshape(B, T, E), sd, p + 'out_proj')


def bart_decode_prefix(sd, c, dec, enc, enc_mask, layers):
    T = dec.shape[1]
    # The decoder embeds its own ids (Marian: scaled); positions start after the prefix (past P):
    # BART's learned ones (+ the offset 2, then layernorm_embedding), Marian's sinusoidal ones.
    x = sd['model.shared.weight'][dec] * (math.sqrt(c['d_model']) if c['scale_embedding'] else 1.0)
    if c['model_type'] == 'bart':
        x = x + sd['model.decoder.embed_positions.weight'][torch.arange(P, P + T) + 2]
        x = bart.ln(x, sd, 'model.decoder.layernorm_embedding')
    else:
        x = x + bart.sinusoidal(c['max_position_embeddings'], c['d_model'])[P:P + T]
    causal = torch.triu(torch.full((T, P + T), t5.NEG), P + 1)[None, None]
    cross = t5.pad_mask(enc_mask)
    h = c['decoder_attention_heads']
    for i in range(c['decoder_layers']):
        q = f'model.decoder.layers.{i}.'
        x = bart.ln(x + bart_self_attend_past(sd, q + 'self_attn.', x, layers[i], causal, h), sd,
                    q + 'self_attn_layer_norm')
        x = bart.ln(x + bart.attend(sd, q + 'encoder_attn.', x, enc, cross, h), sd, q + 'encoder_attn_layer_norm')
        x = bart.ffn(sd, c, q, x)
    return x @ sd['model.shared.weight'].T + sd['final_logits_bias']


def bart_models(sd, c, prompt, prefix):
    """BART (scale_embedding false) and Marian (true, sinusoidal positions)."""
    assert (c['model_type'] == 'bart') != c['scale_embedding']

    def prompt_encode(sd_, c_, ids, mask):
        # PEFT embeds the ids with the backbone's `shared` and passes inputs_embeds: BART has no
        # embed_scale here; Marian's `shared` is a plain nn.Embedding, so its tokens stay unscaled.
        x = torch.cat([prompt[:P].unsqueeze(0).expand(ids.shape[0], -1, -1), sd['model.shared.weight'][ids]], 1)
        return bart_encode_embeds(sd, c, x, with_prompt(mask))

    def prompt_decode(sd_, c_, dec, enc, mask):
        return bart.bart_decode(sd, c, dec, enc, with_prompt(mask))

    def prefix_decode(sd_, c_, dec, enc, mask):
        layers = hf_prefix_layers(prefix, dec.shape[0], c['encoder_layers'], c['decoder_attention_heads'],
                                  c['d_model'])
        return bart_decode_prefix(sd, c, dec, enc, mask, layers)
    return (prompt_encode, prompt_decode), (bart.bart_encode, prefix_decode), c['d_model']


def with_prompt(mask):
    return torch.cat([torch.ones(mask.shape[0], P, dtype=mask.dtype), mask], 1)


def main():
    for seed, (name, build, layers_key) in enumerate([('t5-v1_0', t5_models, 'num_layers'),
                                                      ('bart', bart_models, 'encoder_layers'),
                                                      ('marian', bart_models, 'encoder_layers')]):
        d = os.path.join(HERE, name)
        sd = load_safetensors(os.path.join(d, 'model.safetensors'))
        with open(os.path.join(d, 'config.json')) as f:
            c = json.load(f)
        with open(os.path.join(d, 'reference.json')) as f:
            ref = json.load(f)
        torch.manual_seed(300 + seed)
        prompt = torch.randn(2 * P, c['d_model'])
        ids, mask = torch.tensor(ref['input_ids']), torch.tensor(ref['attention_mask'])
        dec = torch.tensor(ref['decoder_input_ids'])
        with torch.no_grad():
            (penc, pdec), (xenc, xdec), token_dim = build(sd, c, prompt, None)
            prefix = torch.randn(P, c[layers_key] * 2 * token_dim) * 0.8
            (penc, pdec), (xenc, xdec), token_dim = build(sd, c, prompt, prefix)
            prompt_logits = pdec(sd, c, dec, penc(sd, c, ids, mask), mask)
            prefix_logits = xdec(sd, c, dec, xenc(sd, c, ids, mask), mask)
            gen = ref['greedy']['options']
            out = {
                'num_virtual_tokens': P, 'token_dim': token_dim,
                'prompt_shape': list(prompt.shape), 'prompt': t5.rounded(prompt),
                'prefix_shape': list(prefix.shape), 'prefix': t5.rounded(prefix),
                'logits_shape': list(prompt_logits.shape),
                'prompt_logits': t5.rounded(prompt_logits), 'prefix_logits': t5.rounded(prefix_logits),
                'prompt_greedy': t5.greedy(sd, c, ids, mask, gen, (penc, pdec)),
                'prefix_greedy': t5.greedy(sd, c, ids, mask, gen, (xenc, xdec)),
            }
        # The prompt/prefix must change the output, or the parity check would prove nothing.
        base = torch.tensor(ref['logits']).view(prompt_logits.shape)
        print(name, 'prompt moves logits by', (prompt_logits - base).abs().max().item(),
              'prefix by', (prefix_logits - base).abs().max().item(),
              'greedy', ref['greedy']['tokens'], out['prompt_greedy'], out['prefix_greedy'])
        with open(os.path.join(d, 'prompt-learning.json'), 'w') as f:
            json.dump(out, f)


if __name__ == '__main__':
    main()
