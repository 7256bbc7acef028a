/**
 * Float64 convolution, its two gradients, max-pooling's gradient and the coupled highway conv
 * layer, written from the definitions with plain loops over flat NHWC arrays (independently of
 * src/): the second computation the conv kernels' tests compare with.
 */
import { act64 } from './reference.js';

export interface Conv {
  batch: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  /** Square kernel side. */
  k: number;
  /** Rows / columns of zeros before the input (output size = input size + 2·pad − k + 1). */
  pad: number;
}

export const outSize = (c: Conv) => ({ oh: c.h + 2 * c.pad - c.k + 1, ow: c.w + 2 * c.pad - c.k + 1 });

/** Every product of the convolution's sum: `f(yi, xi, wi)` for y[yi] += x[xi]·w[wi], in float64 loops. */
function forEachProduct(c: Conv, f: (yi: number, xi: number, wi: number) => void): void {
  const { oh, ow } = outSize(c);
  for (let b = 0; b < c.batch; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let o = 0; o < c.cout; o++)
          for (let ky = 0; ky < c.k; ky++) {
            const ir = r + ky - c.pad;
            if (ir < 0 || ir >= c.h) continue;
            for (let kx = 0; kx < c.k; kx++) {
              const ic = q + kx - c.pad;
              if (ic < 0 || ic >= c.w) continue;
              for (let i = 0; i < c.cin; i++)
                f(((b * oh + r) * ow + q) * c.cout + o, ((b * c.h + ir) * c.w + ic) * c.cin + i, ((ky * c.k + kx) * c.cin + i) * c.cout + o);
            }
          }
}

/** y[b, r, q, o] = Σ x[b, r + ky − pad, q + kx − pad, i] · w[ky, kx, i, o] (+ bias[o]). */
export function conv64(c: Conv, x: ArrayLike<number>, w: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  const { oh, ow } = outSize(c);
  const y = Float64Array.from({ length: c.batch * oh * ow * c.cout }, (_, i) => (bias ? bias[i % c.cout]! : 0));
  forEachProduct(c, (yi, xi, wi) => {
    y[yi]! += x[xi]! * w[wi]!;
  });
  return y;
}

/** dx and dw of Σ dy·conv(x, w): each product x·w·dy of the forward sum, differentiated. */
export function convGrads64(c: Conv, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(c.batch * c.h * c.w * c.cin);
  const dw = new Float64Array(c.k * c.k * c.cin * c.cout);
  forEachProduct(c, (yi, xi, wi) => {
    dx[xi]! += dy[yi]! * w[wi]!;
    dw[wi]! += dy[yi]! * x[xi]!;
  });
  return { dx, dw };
}

export interface HighwayConvParams {
  wh: Float64Array;
  bh: Float64Array;
  wt: Float64Array;
  bt: Float64Array;
}

/** The coupled 3×3 'same' highway conv layer: y = x + T·(H − x), H = act(conv(x, W_H) + b_H), T = σ(conv(x, W_T) + b_T). */
export function highwayConv64(c: Conv, x: ArrayLike<number>, p: HighwayConvParams, activation: string) {
  const aH = conv64(c, x, p.wh, p.bh);
  const aT = conv64(c, x, p.wt, p.bt);
  const h = aH.map(act64[activation]!);
  const t = aT.map(act64.sigmoid!);
  const y = h.map((hv, i) => x[i]! + t[i]! * (hv - x[i]!));
  return { aH, h, t, y };
}

/** d act(a) / da at a, float64 from the definitions. */
const slope64: Record<string, (a: number) => number> = {
  relu: (a) => (a > 0 ? 1 : 0),
  tanh: (a) => 1 - Math.tanh(a) ** 2,
  sigmoid: (a) => act64.sigmoid!(a) * (1 - act64.sigmoid!(a)),
  elu: (a) => (a > 0 ? 1 : Math.exp(a)),
  linear: () => 1,
};

/** Every gradient of Σ dy·y for the layer above, by the chain rule through its definition. */
export function highwayConvGrads64(c: Conv, x: ArrayLike<number>, p: HighwayConvParams, activation: string, dy: ArrayLike<number>) {
  const { aH, h, t } = highwayConv64(c, x, p, activation);
  const dAH = aH.map((a, i) => dy[i]! * t[i]! * slope64[activation]!(a));
  const dAT = t.map((tv, i) => dy[i]! * (h[i]! - x[i]!) * tv * (1 - tv));
  const gh = convGrads64(c, x, p.wh, dAH);
  const gt = convGrads64(c, x, p.wt, dAT);
  const dx = gh.dx.map((v, i) => v + gt.dx[i]! + dy[i]! * (1 - t[i]!));
  const biasGrad = (d: Float64Array) => {
    const db = new Float64Array(c.cout);
    d.forEach((v, i) => {
      db[i % c.cout]! += v;
    });
    return db;
  };
  return { dx, dwh: gh.dw, dbh: biasGrad(dAH), dwt: gt.dw, dbt: biasGrad(dAT) };
}

/**
 * Gradient of k×k max-pooling (stride s, `padTop`/`padLeft` rows of −∞ first) with respect to its
 * input: each output's dy goes to the first maximum of its window in row-major order.
 */
export function maxPoolGrad64(
  dims: { batch: number; h: number; w: number; c: number; k: number; stride: number; padTop: number; padLeft: number; oh: number; ow: number },
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
): Float64Array {
  const { batch, h, w, c, k, stride, padTop, padLeft, oh, ow } = dims;
  const dx = new Float64Array(batch * h * w * c);
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const ir = r * stride + ky - padTop;
              const ic = q * stride + kx - padLeft;
              if (ir < 0 || ir >= h || ic < 0 || ic >= w) continue;
              const i = ((b * h + ir) * w + ic) * c + ch;
              if (x[i]! > best) {
                best = x[i]!;
                at = i;
              }
            }
          if (at >= 0) dx[at]! += dy[((b * oh + r) * ow + q) * c + ch]!;
        }
  return dx;
}
