import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** The CLI tests spawn bin/highway.js, which loads dist/: build it once before any test (as `npm run build`). */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['dist/backend/simd/build.js'], { stdio: 'inherit' });
}
