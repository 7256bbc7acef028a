/**
 * Build step (`npm run build`, after tsc): compile the WebAssembly text of the SIMD kernels to
 * dist/backend/simd/*.wasm with wabt. Not part of the library at run time.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const source = join(here, '..', '..', '..', 'src', 'backend', 'simd');
const wabt = await (await import('wabt')).default();
for (const file of readdirSync(source).filter((f) => f.endsWith('.wat'))) {
  const module = wabt.parseWat(file, readFileSync(join(source, file), 'utf8'), { simd: true, bulk_memory: true });
  module.validate();
  const out = join(here, file.replace(/\.wat$/, '.wasm'));
  writeFileSync(out, module.toBinary({}).buffer);
  module.destroy();
}
