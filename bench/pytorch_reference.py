#!/usr/bin/env python3
"""PyTorch peer for `highway bench --vs-pytorch`: the same networks, timed the same way.

`highway bench` passes every setting that shapes the net (src/bench/nets.ts) and checks the
parameter count printed here against its own. Kernels are initialised as --init says (Glorot or
He, uniform or truncated normal, fan-in and fan-out as Keras counts them), biases zero,
b_T = --gate-bias, b_C = +2 (independent carry).

Dense (the paper's Figure 1 net): Linear(784, w) + act, then depth-1 plain (Linear(w, w) + act),
highway (H = act(x W_H + b_H), T = sigmoid(x W_T + b_T), y = x + T * (H - x), or with an
independent carry y = H * T + x * sigmoid(x W_C + b_C)) or residual layers (post-activation,
y = act(x + W2 act(W1 x + b1) + b2), Fixup start: W1 He-uniform scaled by (depth-1)^(-1/2),
W2 = 0), then Linear(w, 10). Widths 71 (plain) / 50 (highway, residual).

Conv (the authors' MNIST net): dropout on the input, a 5x5 conv 1 -> w + act, stages of 3x3
'same' conv layers (plain, highway with H and T as two convolutions, or residual blocks of two
convolutions), each stage followed by 3/2 max-pooling with TensorFlow's 'same' padding (the
extra row and column at the bottom and right), then Linear(16 w, 10). Kernels get weight decay.

Text (SST-5-shaped token batches, --lengths gives every sentence's length): Embedding(vocab, e)
(uniform +-0.05), dropout on the word vectors, then either the mean over real tokens into the
dense body (-pooled) or `depth` bidirectional LSTM layers over packed sequences and the mean
(-bilstm). highway-bilstm: H = [LSTM->(x), LSTM<-(x)] W_P + b_P, T = sigmoid(x W_T + b_T),
y = x + T * (H - x). The LSTMs' second bias (bias_hh, which Keras-style LSTMs lack) is frozen at
zero and not counted; forget-gate biases start at 1, recurrent kernels orthogonal.

Softmax cross-entropy; SGD with momentum 0.9, Nesterov or Adam as asked, optional global-norm
clipping. Prints one JSON object: median milliseconds per training step after warm-up, and the
parameter count.

--fused: the stronger peer for dense highway nets. Each highway layer computes H and T with one
Linear(w, 2w) whose output is split in two (one matrix product instead of two, the same
parameters and initial values per half), and SGD updates every parameter in one foreach call.
"""
import argparse
import json
import math
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F


INIT = "glorot_uniform"


def init_(w, fan_in, fan_out, kind=None):
    """Keras's initialisers: Glorot (2 / (fan_in + fan_out)) or He (2 / fan_in) variance, uniform or truncated normal."""
    kind = kind or INIT
    var = 2.0 / (fan_in + fan_out) if kind.startswith("glorot") else 2.0 / fan_in
    with torch.no_grad():
        if kind.endswith("uniform"):
            limit = math.sqrt(3.0 * var)
            w.uniform_(-limit, limit)
        else:
            std = math.sqrt(var) / 0.87962566103423978
            nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)


def linear(n_in, n_out, bias=0.0):
    lin = nn.Linear(n_in, n_out)
    init_(lin.weight, n_in, n_out)
    nn.init.constant_(lin.bias, bias)
    return lin


def conv(c_in, c_out, k, bias=0.0):
    c = nn.Conv2d(c_in, c_out, k, padding=k // 2)
    init_(c.weight, c_in * k * k, c_out * k * k)
    nn.init.constant_(c.bias, bias)
    return c


class Highway(nn.Module):
    """H, T (and C) of one layer: Linear for dense, 3x3 Conv2d for images."""

    def __init__(self, make, act, gate_bias, independent):
        super().__init__()
        self.h = make(0.0)
        self.t = make(gate_bias)
        self.c = make(2.0) if independent else None
        self.act = act

    def forward(self, x):
        h = self.act(self.h(x))
        t = torch.sigmoid(self.t(x))
        if self.c is not None:
            return h * t + x * torch.sigmoid(self.c(x))
        return x + t * (h - x)


class Residual(nn.Module):
    def __init__(self, make, act, blocks):
        super().__init__()
        self.l1 = make()
        self.l2 = make()
        nn.init.kaiming_uniform_(self.l1.weight, nonlinearity="relu")
        with torch.no_grad():
            self.l1.weight.mul_(blocks ** -0.5)
        nn.init.zeros_(self.l2.weight)
        self.act = act

    def forward(self, x):
        return self.act(x + self.l2(self.act(self.l1(x))))


class HighwayFused(nn.Module):
    """H and T from one Linear(n, 2n): rows [:n] of its weight are W_H, rows [n:] W_T."""

    def __init__(self, n, act, gate_bias):
        super().__init__()
        self.n = n
        self.ht = nn.Linear(n, 2 * n)
        init_(self.ht.weight[:n], n, n)
        init_(self.ht.weight[n:], n, n)
        with torch.no_grad():
            nn.init.zeros_(self.ht.bias[:n])
            nn.init.constant_(self.ht.bias[n:], gate_bias)
        self.act = act

    def forward(self, x):
        a_h, a_t = self.ht(x).split(self.n, dim=1)
        h = self.act(a_h)
        t = torch.sigmoid(a_t)
        return x + t * (h - x)


def plain(n_in, n_out, act):
    return nn.Sequential(linear(n_in, n_out), act)


def block_of(a, act, make):
    """One layer of the kind's block; make(bias) builds a weight layer of the stack's width."""
    if a.block == "highway" and a.fused and a.family == "dense" and a.carry == "coupled":
        return HighwayFused(a.width, act, a.gate_bias)
    if a.block == "highway":
        return Highway(make, act, a.gate_bias, a.carry == "independent")
    if a.block == "residual":
        return Residual(lambda: make(0.0), act, max(a.depth - 1, 1))
    return nn.Sequential(make(0.0), act)


def build_dense(a, n_in, n_out, act):
    layers = [plain(n_in, a.width, act)]
    for _ in range(a.depth - 1):
        layers.append(block_of(a, act, lambda b: linear(a.width, a.width, b)))
    layers.append(linear(a.width, n_out))
    return nn.Sequential(*layers)


class SamePool(nn.Module):
    """3/2 max-pooling padded as TensorFlow's 'same': out = ceil(n / 2), the odd pad at the end."""

    def forward(self, x):
        n = x.shape[-1]
        total = max((math.ceil(n / 2) - 1) * 2 + 3 - n, 0)
        first = total // 2
        if first == total - first:
            return F.max_pool2d(x, 3, 2, padding=first)
        return F.max_pool2d(F.pad(x, (first, total - first, first, total - first), value=-math.inf), 3, 2)


def build_conv(a, act):
    w = a.width
    layers = [nn.Dropout(a.input_dropout), conv(1, w, 5), act]
    size = 28
    for blocks in a.conv_blocks:
        for _ in range(blocks):
            layers.append(block_of(a, act, lambda b: conv(w, w, 3, b)))
        layers.append(SamePool())
        size = math.ceil(size / 2)
    layers += [nn.Flatten(), linear(w * size * size, 10)]
    return nn.Sequential(*layers)


class BiLSTM(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.lstm = nn.LSTM(d, h, batch_first=True, bidirectional=True)
        for name, p in self.lstm.named_parameters():
            if name.startswith("weight_ih"):
                init_(p, d, 8 * h)  # Keras: one [d, 8h] kernel for both directions
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(p)
            elif name.startswith("bias_ih"):
                with torch.no_grad():
                    p.zero_()
                    p[h:2 * h] = 1.0  # forget gate
            else:
                nn.init.zeros_(p)
                p.requires_grad_(False)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        return nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]


class HighwayBiLSTM(nn.Module):
    def __init__(self, d, h, gate_bias):
        super().__init__()
        self.lstm = BiLSTM(d, h)
        self.proj = linear(2 * h, d)
        self.t = linear(d, d, gate_bias)

    def forward(self, x, lengths):
        h = self.proj(self.lstm(x, lengths))
        t = torch.sigmoid(self.t(x))
        return x + t * (h - x)


class TextNet(nn.Module):
    def __init__(self, a, act):
        super().__init__()
        e = a.embed_dim
        self.embed = nn.Embedding(a.vocab, e)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        self.drop = nn.Dropout(a.input_dropout)
        self.pooled = a.family == "pooled"
        if self.pooled:
            self.body = build_dense(a, e, 5, act)
            return
        if a.block == "highway":
            self.layers = nn.ModuleList(HighwayBiLSTM(e, a.width, a.gate_bias) for _ in range(a.depth))
            out = e
        else:
            self.layers = nn.ModuleList(BiLSTM(e if i == 0 else 2 * a.width, a.width) for i in range(a.depth))
            out = 2 * a.width
        self.out = linear(out, 5)

    def forward(self, ids, lengths):
        mask = (ids != 0).unsqueeze(2).float()
        x = self.drop(self.embed(ids))
        mean = lambda v: (v * mask).sum(1) / mask.sum(1).clamp(min=1)
        if self.pooled:
            return self.body(mean(x))
        for layer in self.layers:
            x = layer(x, lengths)
        return self.out(mean(x))


def family_of(model):
    for f in ("conv", "pooled", "bilstm"):
        if model.endswith("-" + f):
            return f
    return "dense"


def batches_for(a):
    """Four batches as bench makes them: random images, or token rows of the given lengths."""
    if a.family in ("dense", "conv"):
        shape = (a.batch_size, 784) if a.family == "dense" else (a.batch_size, 1, 28, 28)
        return [((torch.rand(*shape),), torch.randint(0, 10, (a.batch_size,))) for _ in range(4)]
    out = []
    for row in a.lengths.split(";"):
        lengths = torch.tensor([int(v) for v in row.split(",")])
        ids = torch.zeros(len(lengths), int(lengths.max()), dtype=torch.long)
        for r, n in enumerate(lengths.tolist()):
            ids[r, :n] = torch.randint(2, a.vocab, (n,))
        out.append(((ids, lengths), torch.randint(0, 5, (len(lengths),))))
    return out


def optimizer_for(a, net):
    params = [p for p in net.parameters() if p.requires_grad]
    decayed = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    groups = [{"params": decayed, "weight_decay": a.weight_decay}, {"params": rest, "weight_decay": 0.0}]
    if a.optimizer == "adam":
        return torch.optim.Adam(groups, lr=0.002, betas=(a.momentum, 0.999), eps=1e-8)
    return torch.optim.SGD(groups, lr=0.01, momentum=a.momentum, nesterov=a.optimizer == "nesterov", foreach=a.fused)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--depth", type=int, required=True)
    p.add_argument("--width", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--gate-bias", type=float, default=-2.0)
    p.add_argument("--carry", choices=["coupled", "independent"], default="coupled")
    p.add_argument("--input-dropout", type=float, default=0.0)
    p.add_argument("--optimizer", choices=["sgd", "nesterov", "adam"], default="sgd")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--clip-norm", type=float, default=0.0)
    p.add_argument("--conv-blocks", default="2,3,3")
    p.add_argument("--embed-dim", type=int, default=64)
    p.add_argument("--vocab", type=int, default=8737)
    p.add_argument("--lengths", default="")
    p.add_argument("--init", choices=["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"], default="glorot_uniform")
    p.add_argument("--fused", action="store_true", help="dense highway: H|T as one Linear(w, 2w) per layer, foreach SGD")
    a = p.parse_args()
    global INIT
    INIT = a.init
    a.family = family_of(a.model)
    a.block = a.model.split("-")[0]
    a.conv_blocks = [int(v) for v in a.conv_blocks.split(",")]
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    width_default = {"dense": 71 if a.block == "plain" else 50, "conv": 16, "pooled": 71 if a.block == "plain" else 50, "bilstm": 50}
    a.width = a.width or width_default[a.family]
    act = nn.ReLU()
    if a.family == "dense":
        net = nn.Sequential(nn.Dropout(a.input_dropout), build_dense(a, 784, 10, act)) if a.input_dropout else build_dense(a, 784, 10, act)
    elif a.family == "conv":
        net = build_conv(a, act)
    else:
        net = TextNet(a, act)
    net.train()
    opt = optimizer_for(a, net)
    params = [q for q in net.parameters() if q.requires_grad]
    loss_fn = nn.CrossEntropyLoss()
    batches = batches_for(a)
    times = []
    for i in range(a.warmup + a.steps):
        x, y = batches[i % len(batches)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(*x), y)
        loss.backward()
        if a.clip_norm > 0:
            nn.utils.clip_grad_norm_(params, a.clip_norm)
        opt.step()
        loss.item()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__, "threads": a.threads,
                      "model": a.model, "depth": a.depth, "width": a.width, "fused": a.fused, "batch_size": a.batch_size,
                      "ms_per_step": statistics.median(times), "steps": len(times),
                      "params": sum(q.numel() for q in params)}))


if __name__ == "__main__":
    main()
