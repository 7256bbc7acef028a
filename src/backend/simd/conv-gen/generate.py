"""Writes src/backend/simd/conv.wat, the conv nets' SIMD kernels (Winograd F(4×4, 3×3) convolution
with its transforms written out, which no one should type by hand), from the hand-written parts
beside this file (*.wat.part) and the straight-line code of forward_passes.py and backward_passes.py.

    python3 src/backend/simd/conv-gen/generate.py > src/backend/simd/conv.wat

The build compiles conv.wat like the other modules; test/conv-kernels.test.ts checks that the
committed file is this script's output."""
import os
import sys

# the passes are modules beside this script; importing them must not leave __pycache__ in src/
sys.dont_write_bytecode = True
from forward_passes import conv_forward_func, forward_func  # noqa: E402
from backward_passes import backward_func, weight_funcs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

part = lambda name: open(os.path.join(HERE, name), encoding='utf-8').read()
head = part('head.wat.part')
tail = part('products.wat.part') + part('lstm.wat.part') + part('tail.wat.part')
sys.stdout.buffer.write((head + forward_func() + conv_forward_func() + backward_func() + weight_funcs() + tail).encode("utf-8"))
