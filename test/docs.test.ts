import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { FIELDS, loadConfigFile, resolveConfig } from '../src/config/index.js';

// The README and docs/ are checked against the code: the config table, every command shown, every link.
const PAGES = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];
const read = (f: string) => readFileSync(f, 'utf8');
const configsPage = read('docs/configs.md');

/** Command lines in ```sh blocks: `highway …`, `npx highway …`, `node bin/highway.js …`, comments and env prefixes dropped. */
function documentedCommands(page: string): string[][] {
  const text = read(page);
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  // and inline examples such as the README's table of commands
  const inline = [...text.matchAll(/`(npx highway [^`]+)`/g)].map((m) => m[1]!);
  return [...blocks, ...inline]
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .flatMap((l) => l.split(/&&|\||;/).map((s) => s.trim()))
    .map((l) => l.replace(/^(\w+=\S+\s+)+/, ''))
    .map((l) => /^(?:npx highway|highway|node bin\/highway\.js)\s+(.*)$/.exec(l)?.[1])
    .filter((rest): rest is string => rest !== undefined)
    .map((rest) => rest.split(/\s+/));
}

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
const anchors = (file: string) => new Set([...read(file).matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!)));

describe('README and docs/ stay in step with the code', () => {
  it('the README is a front page: at most 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('docs/configs.md documents every config field', () => {
    for (const path of Object.keys(FIELDS)) expect(configsPage, path).toContain(`\`${path}\``);
  });

  it('docs/configs.md states every default that the schema has', () => {
    const row = (path: string) => configsPage.split('\n').find((l) => l.startsWith(`| \`${path}\``)) ?? '';
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

  const program = buildProgram();
  for (const page of PAGES) {
    const commands = documentedCommands(page);
    it(`${page}: every command shown exists, with options it has, and configs that exist`, () => {
      for (const [name, ...args] of commands) {
        const shown = `highway ${name} ${args.join(' ')}`;
        if (!/^[a-z]/.test(name ?? '')) continue; // `highway …`, `highway <command>`, `highway --help`
        const cmd = program.commands.find((c) => c.name() === name);
        expect(cmd, shown).toBeDefined();
        const known = new Set(['--help', '-h', ...cmd!.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f))]);
        for (const a of args) {
          if (/^--?[a-z]/i.test(a)) expect(known.has(a.split('=')[0]!), `${shown}: ${a}`).toBe(true);
          if (/^configs\/[\w.-]+\.json$/.test(a)) expect(existsSync(a), `${shown}: ${a}`).toBe(true);
        }
      }
    });

    it(`${page}: every relative link points at a file (and heading) that exists`, () => {
      for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path ? join(dirname(page), path) : page;
        expect(existsSync(file), `${page}: ${target}`).toBe(true);
        if (anchor && file.endsWith('.md')) expect(anchors(file).has(anchor), `${page}: ${target}`).toBe(true);
      }
    });
  }

  it('the pages show commands at all (the extraction works)', () => {
    expect(documentedCommands('README.md').length).toBeGreaterThan(3);
    expect(documentedCommands('docs/commands.md').length).toBeGreaterThan(10);
  });
});

describe('help and docs cannot drift', () => {
  it('highway report --help and docs/commands.md name every file the report writes', async () => {
    const { REPORT_FILE_NAMES } = await import('../src/report/files.js');
    const help = buildProgram()
      .commands.find((c) => c.name() === 'report')!
      .helpInformation();
    const { execFileSync } = await import('node:child_process');
    const full = execFileSync(process.execPath, ['bin/highway.js', 'report', '--help'], { encoding: 'utf8' });
    for (const f of REPORT_FILE_NAMES) {
      expect(full, `report --help: ${f}`).toContain(f);
      expect(help + full, f).toContain(f);
      expect(read('docs/commands.md'), `docs/commands.md: ${f}`).toContain(`\`${f}\``);
    }
  });

  it('docs/commands.md names every flag of every command', () => {
    const page = read('docs/commands.md');
    for (const cmd of buildProgram().commands) {
      for (const o of cmd.options) expect(page, `highway ${cmd.name()} ${o.long}`).toContain(`\`${o.long}`);
    }
  });

  it('user docs speak of the tool, not of its history: no issue numbers, no "seed implementation"', () => {
    for (const page of PAGES) expect(read(page), page).not.toMatch(/issue #\d+|the seed implementation|the seed's/i);
  });
});
