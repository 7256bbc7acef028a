/**
 * Build step (`npm run build`, after tsc): compile the WebAssembly text of the SIMD kernels to
 * dist/backend/simd/*.wasm with wabt. Not part of the library at run time.
 *
 * gemm.wat and conv.wat are compiled twice: as written, and as gemm-fma.wasm / conv-fma.wasm with
 * each multiply-add of their product tile's inner loop (acc + v·b) as one f32x4.relaxed_madd,
 * fused on CPUs with FMA: ≈30% faster products (bench/NOTES.md #29), used where the engine runs
 * relaxed SIMD (highway-simd.ts, conv-simd.ts).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const source = join(here, '..', '..', '..', 'src', 'backend', 'simd');
const wabt = await (await import('wabt')).default();

function compile(name: string, text: string, relaxed = false): void {
  const module = wabt.parseWat(name, text, { simd: true, bulk_memory: true, relaxed_simd: relaxed });
  module.validate();
  writeFileSync(join(here, name.replace(/\.wat$/, '.wasm')), module.toBinary({}).buffer);
  module.destroy();
}

/** (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $b))) → relaxed_madd(v, b, acc) */
const MULTIPLY_ADD = /\(f32x4\.add \(local\.get (\$[pq]\d)\) \(f32x4\.mul \(local\.get \$v\) \(local\.get (\$b\d)\)\)\)/g;
const TILE_MULTIPLY_ADDS = 8;
/** The modules with a product tile written for this rewrite. */
const FUSED = new Set(['gemm.wat', 'conv.wat']);

for (const file of readdirSync(source).filter((f) => f.endsWith('.wat'))) {
  const text = readFileSync(join(source, file), 'utf8');
  compile(file, text);
  if (!FUSED.has(file)) continue;
  const fused = text.replace(MULTIPLY_ADD, '(f32x4.relaxed_madd (local.get $v) (local.get $2) (local.get $1))');
  const count = (fused.match(/relaxed_madd/g) ?? []).length;
  // a gemm.wat whose tile no longer matches would silently build the same products twice
  if (count !== TILE_MULTIPLY_ADDS) throw new Error(`${file}: expected ${TILE_MULTIPLY_ADDS} multiply-adds in the tile, found ${count}`);
  compile(file.replace(/\.wat$/, '-fma.wat'), fused, true);
}
