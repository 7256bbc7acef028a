import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { FIELDS, loadConfigFile, resolveConfig } from '../src/config/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README and configs stay in step with the code', () => {
  it('documents every config field', () => {
    for (const path of Object.keys(FIELDS)) expect(readme, path).toContain(`\`${path}\``);
  });

  it('states every default that the schema has', () => {
    const row = (path: string) => readme.split('\n').find((l) => l.startsWith(`| \`${path}\``)) ?? '';
    for (const [path, spec] of Object.entries(FIELDS)) {
      if (spec.default === null || spec.kind === 'string') continue;
      const shown = typeof spec.default === 'number' ? String(spec.default).replace('-', '−') : `\`${spec.default}\``;
      expect(row(path), path).toContain(shown);
    }
  });

  it('every shipped config in configs/ loads and resolves', () => {
    const dir = new URL('../configs/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'highway.schema.json');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(() => resolveConfig(loadConfigFile(new URL(f, dir).pathname, ['sweep']))).not.toThrow();
  });
});
