"""Writes tiny random T5 models in exact HF layout plus reference outputs of a hand-written forward.

Run with Debian's python3-torch (no `transformers` needed):
    /usr/bin/python3 packages/nlp/test-data/seq2seq/make_t5_fixture.py

Written next to this script, for each variant (t5-v1_0: relu, tied lm_head scaled by
d_model**-0.5; t5-v1_1: gated-gelu with gelu_new, untied lm_head, one more decoder layer):
    <variant>/config.json, <variant>/model.safetensors   (T5ForConditionalGeneration keys:
                     shared.weight; v1_0 also repeats the encoder/decoder.embed_tokens ties as
                     older files do; lm_head.weight only when untied)
    <variant>/reference.json   source ids + mask, decoder ids, encoder output, teacher-forced
                     logits, and greedy / beam-search / no-repeat-ngram generations from a
                     reference generate loop following HF semantics (BeamSearchScorer,
                     BeamHypotheses, MinLength / NoRepeatNGram processors).
The forward follows HF modeling_t5.py: RMS layer norms, unscaled attention with the relative
position bias of block 0 (bidirectional buckets in the encoder, causal in the decoder), masks
added to the bias, cross-attention without position bias.
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def cfg(**over):
    c = dict(model_type='t5', vocab_size=24, d_model=16, d_kv=6, d_ff=32, num_layers=2,
             num_decoder_layers=2, num_heads=3, relative_attention_num_buckets=8,
             relative_attention_max_distance=12, dropout_rate=0.0, layer_norm_epsilon=1e-6,
             initializer_factor=1.0, feed_forward_proj='relu', tie_word_embeddings=True,
             pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, is_encoder_decoder=True,
             architectures=['T5ForConditionalGeneration'])
    c.update(over)
    return c


VARIANTS = {
    't5-v1_0': cfg(),
    't5-v1_1': cfg(feed_forward_proj='gated-gelu', tie_word_embeddings=False, num_decoder_layers=3),
}


def rnd(*shape, std=0.4):
    return (torch.randn(*shape) * std).float()


def state(c):
    sd = {}
    E, inner, F, H = c['d_model'], c['num_heads'] * c['d_kv'], c['d_ff'], c['num_heads']
    gated = c['feed_forward_proj'].startswith('gated-')
    sd['shared.weight'] = rnd(c['vocab_size'], E, std=1.0)
    for stack, n in [('encoder', c['num_layers']), ('decoder', c['num_decoder_layers'])]:
        for i in range(n):
            p = f'{stack}.block.{i}.layer.'
            attn = [('0', 'SelfAttention')] + ([('1', 'EncDecAttention')] if stack == 'decoder' else [])
            for li, name in attn:
                for proj in 'qkv':
                    sd[f'{p}{li}.{name}.{proj}.weight'] = rnd(inner, E)
                sd[f'{p}{li}.{name}.o.weight'] = rnd(E, inner)
                if i == 0 and name == 'SelfAttention':
                    sd[f'{p}{li}.{name}.relative_attention_bias.weight'] = rnd(c['relative_attention_num_buckets'], H, std=1.0)
                sd[f'{p}{li}.layer_norm.weight'] = 1 + rnd(E, std=0.2)
            ff = '2' if stack == 'decoder' else '1'
            if gated:
                sd[f'{p}{ff}.DenseReluDense.wi_0.weight'] = rnd(F, E)
                sd[f'{p}{ff}.DenseReluDense.wi_1.weight'] = rnd(F, E)
            else:
                sd[f'{p}{ff}.DenseReluDense.wi.weight'] = rnd(F, E)
            sd[f'{p}{ff}.DenseReluDense.wo.weight'] = rnd(E, F, std=0.3)
            sd[f'{p}{ff}.layer_norm.weight'] = 1 + rnd(E, std=0.2)
        sd[f'{stack}.final_layer_norm.weight'] = 1 + rnd(E, std=0.2)
    if not c['tie_word_embeddings']:
        sd['lm_head.weight'] = rnd(c['vocab_size'], E, std=0.5)
    return sd


# ---- forward (HF modeling_t5.py, written out) ----

def rms(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def bucket(rel, bidirectional, num_buckets, max_distance):
    buckets = 0
    if bidirectional:
        num_buckets //= 2
        buckets += (rel > 0).to(torch.long) * num_buckets
        rel = torch.abs(rel)
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = num_buckets // 2
    small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(small, rel, large)


def position_bias(sd, c, prefix, q_len, k_len, decoder, past=0):
    ctx = torch.arange(past, past + q_len)[:, None]
    mem = torch.arange(k_len)[None, :]
    b = bucket(mem - ctx, not decoder, c['relative_attention_num_buckets'], c['relative_attention_max_distance'])
    vals = sd[prefix + 'relative_attention_bias.weight'][b]  # [q, k, H]
    return vals.permute(2, 0, 1).unsqueeze(0)


def attend(sd, c, prefix, x, kv_src, bias):
    B, T, _ = x.shape
    H, D = c['num_heads'], c['d_kv']

    def heads(t):
        return t.view(B, -1, H, D).transpose(1, 2)
    q = heads(x @ sd[prefix + 'q.weight'].T)
    k = heads(kv_src @ sd[prefix + 'k.weight'].T)
    v = heads(kv_src @ sd[prefix + 'v.weight'].T)
    scores = q @ k.transpose(2, 3) + bias
    ctx = torch.softmax(scores.float(), -1) @ v
    return ctx.transpose(1, 2).reshape(B, T, H * D) @ sd[prefix + 'o.weight'].T


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def ff(sd, c, p, x):
    h = rms(x, sd[p + 'layer_norm.weight'], c['layer_norm_epsilon'])
    d = p + 'DenseReluDense.'
    if c['feed_forward_proj'].startswith('gated-'):
        h = gelu_new(h @ sd[d + 'wi_0.weight'].T) * (h @ sd[d + 'wi_1.weight'].T)
    else:
        h = torch.relu(h @ sd[d + 'wi.weight'].T)
    return x + h @ sd[d + 'wo.weight'].T


NEG = torch.finfo(torch.float32).min


def pad_mask(mask):
    return (1.0 - mask[:, None, None, :].float()) * NEG


def t5_encode(sd, c, ids, mask):
    x = sd['shared.weight'][ids]
    T = ids.shape[1]
    bias = position_bias(sd, c, 'encoder.block.0.layer.0.SelfAttention.', T, T, False) + pad_mask(mask)
    for i in range(c['num_layers']):
        p = f'encoder.block.{i}.layer.'
        h = rms(x, sd[p + '0.layer_norm.weight'], c['layer_norm_epsilon'])
        x = x + attend(sd, c, p + '0.SelfAttention.', h, h, bias)
        x = ff(sd, c, p + '1.', x)
    return rms(x, sd['encoder.final_layer_norm.weight'], c['layer_norm_epsilon'])


def t5_decode(sd, c, dec_ids, enc, enc_mask):
    x = sd['shared.weight'][dec_ids]
    T = dec_ids.shape[1]
    causal = torch.triu(torch.full((T, T), NEG), 1)[None, None]
    bias = position_bias(sd, c, 'decoder.block.0.layer.0.SelfAttention.', T, T, True) + causal
    cross = pad_mask(enc_mask)
    for i in range(c['num_decoder_layers']):
        p = f'decoder.block.{i}.layer.'
        h = rms(x, sd[p + '0.layer_norm.weight'], c['layer_norm_epsilon'])
        x = x + attend(sd, c, p + '0.SelfAttention.', h, h, bias)
        h = rms(x, sd[p + '1.layer_norm.weight'], c['layer_norm_epsilon'])
        x = x + attend(sd, c, p + '1.EncDecAttention.', h, enc, cross)
        x = ff(sd, c, p + '2.', x)
    x = rms(x, sd['decoder.final_layer_norm.weight'], c['layer_norm_epsilon'])
    if c['tie_word_embeddings']:
        return (x * c['d_model'] ** -0.5) @ sd['shared.weight'].T
    return x @ sd['lm_head.weight'].T


# ---- generation (HF generate semantics; the decoder re-runs the full prefix each step) ----

def process(scores, seqs, cur_len, o):
    """Logits processors in HF's order: min length, no-repeat n-gram, forced BOS/EOS."""
    scores = scores.clone()
    forced = None
    if o.get('forced_bos') is not None and cur_len == 1:
        forced = o['forced_bos']
    if o.get('forced_eos') is not None and cur_len == o['max_length'] - 1:
        forced = o['forced_eos']
    if o.get('min_length', 0) and cur_len < o['min_length']:
        scores[:, o['eos']] = -math.inf
    n = o.get('no_repeat_ngram_size', 0)
    if n and cur_len + 1 >= n:
        for r, seq in enumerate(seqs):
            prev = tuple(seq[cur_len - n + 1:]) if n > 1 else ()
            for s in range(cur_len - n + 1):
                if tuple(seq[s:s + n - 1]) == prev:
                    scores[r, seq[s + n - 1]] = -math.inf
    if forced is not None:
        scores[:, :] = -math.inf
        scores[:, forced] = 0
    return scores


def greedy(sd, c, ids, mask, o, model=None):
    encode, decode = model or (t5_encode, t5_decode)
    enc = encode(sd, c, ids, mask)
    B = ids.shape[0]
    seqs = [[c['decoder_start_token_id']] for _ in range(B)]
    done = [False] * B
    while len(seqs[0]) < o['max_length'] and not all(done):
        logits = decode(sd, c, torch.tensor(seqs), enc, mask)[:, -1, :]
        scores = process(logits, seqs, len(seqs[0]), o)
        nxt = scores.argmax(-1).tolist()
        for r in range(B):
            tok = c['pad_token_id'] if done[r] else nxt[r]
            seqs[r].append(tok)
            if tok == o['eos']:
                done[r] = True
    return [s[1:] for s in seqs]


class Hyps:
    def __init__(self, k, lp, early):
        self.k, self.lp, self.early, self.beams, self.worst = k, lp, early, [], 1e9

    def add(self, seq, logprob, gen_len):
        score = logprob / (gen_len ** self.lp)
        if len(self.beams) < self.k or score > self.worst:
            self.beams.append((score, seq))
            if len(self.beams) > self.k:
                ranked = sorted((s, i) for i, (s, _) in enumerate(self.beams))
                del self.beams[ranked[0][1]]
                self.worst = ranked[1][0]
            else:
                self.worst = min(score, self.worst)

    def is_done(self, best, gen_len):
        if len(self.beams) < self.k:
            return False
        if self.early:
            return True
        return self.worst >= best / (gen_len ** self.lp)


def beam_search(sd, c, ids, mask, o, model=None):
    encode, decode = model or (t5_encode, t5_decode)
    K, V = o['num_beams'], c['vocab_size']
    B = ids.shape[0]
    enc = encode(sd, c, ids, mask).repeat_interleave(K, 0)
    emask = mask.repeat_interleave(K, 0)
    seqs = [[c['decoder_start_token_id']] for _ in range(B * K)]
    beam_scores = torch.zeros(B, K)
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view(-1)
    hyps = [Hyps(K, o['length_penalty'], o['early_stopping']) for _ in range(B)]
    done = [False] * B
    eos, pad = o['eos'], c['pad_token_id']
    while True:
        cur_len = len(seqs[0])
        logits = decode(sd, c, torch.tensor(seqs), enc, emask)[:, -1, :]
        scores = process(torch.log_softmax(logits, -1), seqs, cur_len, o)
        scores = scores + beam_scores[:, None]
        top, idx = torch.topk(scores.view(B, K * V), 2 * K, dim=1, largest=True, sorted=True)
        new_seqs, new_scores = [], []
        for b in range(B):
            if done[b]:
                new_seqs += [seqs[b * K] + [pad]] * K
                new_scores += [0.0] * K
                continue
            chosen = 0
            for rank in range(2 * K):
                tok, beam, s = idx[b, rank].item() % V, idx[b, rank].item() // V, top[b, rank].item()
                src = seqs[b * K + beam]
                if tok == eos:
                    if rank >= K:
                        continue
                    hyps[b].add(list(src), s, cur_len + 1 - 1)
                else:
                    new_seqs.append(src + [tok])
                    new_scores.append(s)
                    chosen += 1
                if chosen == K:
                    break
            done[b] = done[b] or hyps[b].is_done(top[b].max().item(), cur_len + 1 - 1)
        seqs, beam_scores = new_seqs, torch.tensor(new_scores)
        if all(done) or len(seqs[0]) >= o['max_length']:
            break
    out = []
    for b in range(B):
        if not done[b]:
            for k in range(K):
                s = seqs[b * K + k]
                hyps[b].add(list(s), beam_scores[b * K + k].item(), len(s) - 1)
        best = sorted(hyps[b].beams, key=lambda t: t[0])[-1]
        seq = best[1][1:]
        if len(best[1]) < o['max_length']:
            seq = seq + [eos]
        out.append({'tokens': seq, 'score': best[0]})
    return out


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        b = tensors[k].contiguous().numpy().tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(tensors[k].shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def rounded(t):
    return [round(v, 6) for v in t.flatten().tolist()]


def main():
    for seed, (name, c) in enumerate(VARIANTS.items()):
        torch.manual_seed(100 + seed)
        sd = state(c)
        out = os.path.join(HERE, name)
        os.makedirs(out, exist_ok=True)
        files = dict(sd)
        if c['tie_word_embeddings']:  # older files repeat the ties; newer ones (v1_1 here) do not
            for stack in ('encoder', 'decoder'):
                files[f'{stack}.embed_tokens.weight'] = sd['shared.weight']
        save_safetensors(os.path.join(out, 'model.safetensors'), files)
        with open(os.path.join(out, 'config.json'), 'w') as f:
            json.dump(c, f, indent=2)
        ids = torch.tensor([[5, 9, 3, 17, 8, 21, 11, 1], [7, 2, 14, 1, 0, 0, 0, 0]])
        mask = (torch.arange(8)[None, :] < torch.tensor([[8], [4]])).long()
        dec = torch.tensor([[0, 4, 12, 6, 19, 3, 10], [0, 13, 2, 2, 9, 22, 5]])
        with torch.no_grad():
            enc = t5_encode(sd, c, ids, mask)
            logits = t5_decode(sd, c, dec, enc, mask)
            gen = {'max_length': 10, 'eos': c['eos_token_id']}
            ref = {
                'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'decoder_input_ids': dec.tolist(),
                'encoder_shape': list(enc.shape), 'encoder': rounded(enc),
                'logits_shape': list(logits.shape), 'logits': rounded(logits),
                'greedy': {'options': gen, 'tokens': greedy(sd, c, ids, mask, gen)},
                'greedy_min_length': {'options': dict(gen, min_length=6, no_repeat_ngram_size=2),
                                      'tokens': greedy(sd, c, ids, mask, dict(gen, min_length=6, no_repeat_ngram_size=2))},
                'beam': [],
            }
            for bo in [dict(gen, num_beams=3, length_penalty=1.0, early_stopping=False),
                       dict(gen, num_beams=4, length_penalty=0.6, early_stopping=True),
                       dict(gen, num_beams=2, length_penalty=2.0, early_stopping=False, no_repeat_ngram_size=2, min_length=4)]:
                ref['beam'].append({'options': bo, 'results': beam_search(sd, c, ids, mask, bo)})
        with open(os.path.join(out, 'reference.json'), 'w') as f:
            json.dump(ref, f)
        print(name, 'greedy', ref['greedy']['tokens'], 'beam', [r['results'] for r in ref['beam']])


if __name__ == '__main__':
    main()
