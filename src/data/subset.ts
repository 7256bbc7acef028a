import { UserError } from '../errors.js';
import type { Split } from './types.js';

/**
 * A deterministic, class-balanced subset: `size / numClasses` examples of each class (the
 * first ones, in file order; the remainder goes to the lowest classes), keeping file order.
 * A class with too few examples gives what it has and the rest is taken from the others.
 */
export function balancedSubset(split: Split, size: number, numClasses: number, field: string): Split {
  if (size > split.n) throw new UserError(`${field}: asked for ${size} examples, the split has only ${split.n}`);
  if (size === split.n) return split;
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < split.n; i++) byClass[split.y[i]!]!.push(i);
  const quota = new Array<number>(numClasses).fill(0);
  let left = size;
  // Round-robin allocation: equal shares, classes that run out pass their share on.
  while (left > 0) {
    let gave = false;
    for (let c = 0; c < numClasses && left > 0; c++) {
      if (quota[c]! < byClass[c]!.length) {
        quota[c]!++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  const keep = byClass.flatMap((idx, c) => idx.slice(0, quota[c])).sort((a, b) => a - b);
  const d = split.x.length / split.n;
  const x = new Float32Array(keep.length * d);
  const y = new Int32Array(keep.length);
  keep.forEach((src, i) => {
    x.set(split.x.subarray(src * d, (src + 1) * d), i * d);
    y[i] = split.y[src]!;
  });
  return { x, y, n: keep.length };
}
