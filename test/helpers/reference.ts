/**
 * Float64 re-implementations of the formulas, written independently of src/, used as the
 * second computation in tests. Matrices are row-major number[][].
 */
import type { Rng } from '../../src/util/random.js';

export type Mat = number[][];

export function randMat(rng: Rng, rows: number, cols: number, scale = 1): Mat {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng.next() * 2 - 1) * scale));
}
export function randVec(rng: Rng, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

export const act64: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(0, v),
  tanh: Math.tanh,
  linear: (v) => v,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
};
export const sigmoid64 = act64.sigmoid!;

/** x·W + b, float64. */
export function affine(x: Mat, w: Mat, b: number[]): Mat {
  return x.map((row) =>
    b.map((bj, j) => {
      let s = bj;
      for (let k = 0; k < row.length; k++) s += row[k]! * w[k]![j]!;
      return s;
    }),
  );
}

export interface DenseParams {
  wh: Mat;
  bh: number[];
  wt: Mat;
  bt: number[];
  wc?: Mat;
  bc?: number[];
}

/** y = H·T + x·C, C = 1 − T (coupled) or σ(x·W_C + b_C) (independent). */
export function highwayDense64(x: Mat, p: DenseParams, activation: string): Mat {
  const h = affine(x, p.wh, p.bh).map((r) => r.map(act64[activation]!));
  const t = affine(x, p.wt, p.bt).map((r) => r.map(sigmoid64));
  const c = p.wc && p.bc ? affine(x, p.wc, p.bc).map((r) => r.map(sigmoid64)) : t.map((r) => r.map((v) => 1 - v));
  return x.map((row, i) => row.map((xv, j) => h[i]![j]! * t[i]![j]! + xv * c[i]![j]!));
}

/** Same-padded stride-1 2-D convolution, NHWC input, [k, k, cin, cout] kernel, float64. */
export function conv2dSame64(x: number[][][][], w: number[][][][], b: number[]): number[][][][] {
  const k = w.length;
  const r = (k - 1) / 2;
  return x.map((img) => {
    const H = img.length;
    const W = img[0]!.length;
    return img.map((_, i) =>
      img[0]!.map((__, j) =>
        b.map((bo, o) => {
          let s = bo;
          for (let di = 0; di < k; di++) {
            for (let dj = 0; dj < k; dj++) {
              const ii = i + di - r;
              const jj = j + dj - r;
              if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
              const px = img[ii]![jj]!;
              for (let c = 0; c < px.length; c++) s += px[c]! * w[di]![dj]![c]![o]!;
            }
          }
          return s;
        }),
      ),
    );
  });
}

/** Central finite differences of a scalar float64 function at `v` (modified in place, restored). */
export function finiteDiff(f: () => number, v: number[], eps = 1e-6): number[] {
  return v.map((orig, i) => {
    v[i] = orig + eps;
    const up = f();
    v[i] = orig - eps;
    const down = f();
    v[i] = orig;
    return (up - down) / (2 * eps);
  });
}

/** Largest |a − b| / max(1, |b|) over paired arrays. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}
