"""The bench's reference training step in PyTorch, for an optional same-run comparison.

Same model as bench/reference-model.ts (token + position embeddings, 4 post-norm encoder layers
d=256, 4 heads, ffn 1024, GELU, dropout 0.1, mean pooling, 2-class head), AdamW lr 1e-3 wd 0.01,
one fixed batch of 16 x 64 tokens. Methods: full fine-tuning and LoRA r=8 alpha=16 on q and v
(classifier trainable). Attention is written out with separate q/k/v/out projections, as in
peftkit, so LoRA can wrap q and v. Prints one JSON object: median step ms per method.

Usage: /usr/bin/python3 bench/torch-step.py [--threads 1] [--steps 8] [--quick]
Never run by CI; bench/run.ts calls it only when `import torch` works.
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoraLinear(nn.Module):
    def __init__(self, base: nn.Linear, r: int, alpha: int):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scale


class Layer(nn.Module):
    def __init__(self, d, heads, ffn, p):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))
        self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.p = p

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads

        def split(y):
            return y.view(b, t, h, d // h).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h)
        attn = F.dropout(scores.softmax(-1), self.p, self.training)
        a = (attn @ v).transpose(1, 2).reshape(b, t, d)
        x = self.norm1(x + F.dropout(self.out_proj(a), self.p, self.training))
        f = self.linear2(F.dropout(F.gelu(self.linear1(x)), self.p, self.training))
        return self.norm2(x + F.dropout(f, self.p, self.training))


class Encoder(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.tokens = nn.Embedding(s["vocab"], s["dModel"])
        self.positions = nn.Embedding(s["seq"], s["dModel"])
        self.layers = nn.ModuleList(
            Layer(s["dModel"], s["heads"], s["ffn"], 0.1) for _ in range(s["layers"])
        )
        self.classifier = nn.Linear(s["dModel"], s["classes"])

    def forward(self, ids):
        h = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        for layer in self.layers:
            h = layer(h)
        return self.classifier(h.mean(1))


def bench(method, s, steps, warmup):
    torch.manual_seed(0)
    model = Encoder(s)
    if method == "lora-r8-qv":
        for p in model.parameters():
            p.requires_grad_(False)
        for layer in model.layers:
            layer.q_proj = LoraLinear(layer.q_proj, 8, 16)
            layer.v_proj = LoraLinear(layer.v_proj, 8, 16)
        for p in model.classifier.parameters():
            p.requires_grad_(True)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    ids = torch.randint(0, s["vocab"], (s["batch"], s["seq"]))
    labels = torch.randint(0, s["classes"], (s["batch"],))
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids), labels)
        loss.backward()
        opt.step()
        loss.item()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    s = dict(layers=4, dModel=256, heads=4, ffn=1024, seq=64, batch=16, vocab=8000, classes=2)
    if args.quick:
        s.update(layers=1, batch=4)
    out = {
        "torch": torch.__version__,
        "threads": args.threads,
        "medianStepMs": {m: bench(m, s, args.steps, 2) for m in ("full", "lora-r8-qv")},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
