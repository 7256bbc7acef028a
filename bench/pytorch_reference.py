#!/usr/bin/env python3
"""PyTorch peer for `highway bench --vs-pytorch`: the same networks, timed the same way.

Network (the paper's Figure 1 net): Linear(784, w) + act, then depth-1 plain (Linear(w, w) + act),
highway (H = act(x W_H + b_H), T = sigmoid(x W_T + b_T), y = x + T * (H - x)) or residual layers
(post-activation, y = act(x + W2 act(W1 x + b1) + b2), Fixup start: W1 He-uniform scaled by
(depth-1)^(-1/2), W2 = 0), then Linear(w, 10) and softmax cross-entropy. Widths 71 (plain) / 50
(highway, residual), Glorot-uniform kernels, zero biases, b_T = -2, SGD with momentum 0.9, random
MNIST-shaped batches. Prints one JSON object: median milliseconds per training step after
warm-up, and the parameter count (`highway bench` checks it against its own net).

--fused: the stronger peer. Each highway layer computes H and T with one Linear(w, 2w) whose output
is split in two (one matrix product instead of two, the same parameters and initial values per
half), and SGD updates every parameter in one foreach call instead of one loop step each.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


class Highway(nn.Module):
    def __init__(self, n, act, gate_bias):
        super().__init__()
        self.h = nn.Linear(n, n)
        self.t = nn.Linear(n, n)
        for lin in (self.h, self.t):
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
        nn.init.constant_(self.t.bias, gate_bias)
        self.act = act

    def forward(self, x):
        h = self.act(self.h(x))
        t = torch.sigmoid(self.t(x))
        return x + t * (h - x)


class Residual(nn.Module):
    def __init__(self, n, act, blocks):
        super().__init__()
        self.l1 = nn.Linear(n, n)
        self.l2 = nn.Linear(n, n)
        nn.init.kaiming_uniform_(self.l1.weight, nonlinearity="relu")
        with torch.no_grad():
            self.l1.weight.mul_(blocks ** -0.5)
        nn.init.zeros_(self.l2.weight)
        for lin in (self.l1, self.l2):
            nn.init.zeros_(lin.bias)
        self.act = act

    def forward(self, x):
        return self.act(x + self.l2(self.act(self.l1(x))))


class HighwayFused(nn.Module):
    """H and T from one Linear(n, 2n): rows [:n] of its weight are W_H, rows [n:] W_T."""

    def __init__(self, n, act, gate_bias):
        super().__init__()
        self.n = n
        self.ht = nn.Linear(n, 2 * n)
        with torch.no_grad():
            nn.init.xavier_uniform_(self.ht.weight[:n])
            nn.init.xavier_uniform_(self.ht.weight[n:])
            nn.init.zeros_(self.ht.bias[:n])
            nn.init.constant_(self.ht.bias[n:], gate_bias)
        self.act = act

    def forward(self, x):
        a_h, a_t = self.ht(x).split(self.n, dim=1)
        h = self.act(a_h)
        t = torch.sigmoid(a_t)
        return x + t * (h - x)


def plain(n_in, n_out, act):
    lin = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(lin.weight)
    nn.init.zeros_(lin.bias)
    return nn.Sequential(lin, act)


def build(model, depth, width, act, fused=False):
    layers = [plain(784, width, act)]
    for _ in range(depth - 1):
        if model == "highway":
            layers.append((HighwayFused if fused else Highway)(width, act, -2.0))
        elif model == "residual":
            layers.append(Residual(width, act, max(depth - 1, 1)))
        else:
            layers.append(plain(width, width, act))
    out = nn.Linear(width, 10)
    nn.init.xavier_uniform_(out.weight)
    nn.init.zeros_(out.bias)
    layers.append(out)
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["plain", "highway", "residual"], required=True)
    p.add_argument("--depth", type=int, required=True)
    p.add_argument("--width", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--fused", action="store_true", help="H|T as one Linear(w, 2w) per highway layer, foreach SGD")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    width = a.width or (71 if a.model == "plain" else 50)
    net = build(a.model, a.depth, width, nn.ReLU(), a.fused)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, foreach=a.fused)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.rand(a.batch_size, 784), torch.randint(0, 10, (a.batch_size,))) for _ in range(4)]
    times = []
    for i in range(a.warmup + a.steps):
        x, y = batches[i % len(batches)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__, "threads": a.threads,
                      "model": a.model, "depth": a.depth, "width": width, "fused": a.fused, "batch_size": a.batch_size,
                      "ms_per_step": statistics.median(times), "steps": len(times),
                      "params": sum(p.numel() for p in net.parameters())}))


if __name__ == "__main__":
    main()
