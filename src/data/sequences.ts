/**
 * Token sequences are padded at the end with id 0 to the dataset's maxLength. A batch needs only
 * as many positions as its longest sentence: the recurrent layers carry their state over padding
 * and the mean over time skips it, so cutting the all-padding tail changes no result, only the
 * work (SST-5: median 18 tokens against maxLength 50).
 */

/** Tokens before the padding of example i (at least 1, so an empty sentence still has a step). */
export function tokenLength(x: Float32Array, i: number, maxLength: number): number {
  let n = maxLength;
  while (n > 1 && x[i * maxLength + n - 1] === 0) n--;
  return n;
}

/** Rows [0, rows) of x (each maxLength ids) cut to the longest one: [rows, len] row-major. */
export function trimBatch(x: Float32Array, rows: number, maxLength: number): { x: Float32Array; len: number } {
  let len = 1;
  for (let r = 0; r < rows; r++) len = Math.max(len, tokenLength(x, r, maxLength));
  if (len === maxLength) return { x: x.subarray(0, rows * maxLength), len };
  const out = new Float32Array(rows * len);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * maxLength, r * maxLength + len), r * len);
  return { x: out, len };
}
