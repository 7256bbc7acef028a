/**
 * The package as a user installs it: `npm pack`, then `npm install <tarball>` into an empty
 * project, then every ```js example of docs/layers.md run there with plain `node` — importing
 * `highway-networks` by name, through its `exports` map.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './helpers/run-folder.js';

const examples = [...readFileSync('docs/layers.md', 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('the packed library', () => {
  it('installs by name in an empty project, and the examples of docs/layers.md run there', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const dir = tempDir('package');
    const pack = spawnSync('npm', ['pack', '--pack-destination', dir, '--silent'], { encoding: 'utf8', cwd: resolve('.') });
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^highway-networks-\d+\.\d+\.\d+\.tgz$/);
    // the tarball carries the PyTorch peer, so an installed `highway bench --vs-pytorch` can run
    const list = spawnSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).stdout;
    expect(list).toContain('package/bench/pytorch_reference.py');
    expect(list).toContain('package/dist/index.d.ts');

    const project = join(dir, 'user-project');
    spawnSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', join(dir, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      encoding: 'utf8',
      cwd: project,
      timeout: 240_000,
    });
    expect(install.status, install.stderr).toBe(0);

    const outputs = examples.map((code, i) => {
      writeFileSync(join(project, `example-${i}.mjs`), code);
      const r = spawnSync(process.execPath, [`example-${i}.mjs`], { encoding: 'utf8', cwd: project, timeout: 120_000 });
      expect(r.status, `docs/layers.md example ${i + 1}:\n${r.stderr}`).toBe(0);
      return r.stdout;
    });
    expect(outputs[0]).toMatch(/^backend: (wasm|tensorflow)$/m);
    const loss = Number(/training loss after epoch 2: (\S+)/.exec(outputs[0]!)?.[1]);
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(1.5); // from ln 10 ≈ 2.30 at the start
    expect(outputs[0]).toMatch(/loaded model predicts the same: true/);
    expect(outputs[1]).toMatch(/layers after loading: InputLayer( HighwayDense){5} Dense/);
  }, 400_000);
});
