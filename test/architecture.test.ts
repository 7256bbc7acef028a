/**
 * The shape of src/, checked from its own imports (static and `import('…')` with a literal path):
 * data flows one way through the rooms in ROOMS, so no file imports from a room above its own,
 * and no files import each other in a loop. Also: small files (a file over 250 lines, of any kind,
 * says in its header why it must be one file).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve('src');

/**
 * The rooms, ground floor first: each may import only from itself and the rooms before it.
 * (config → data → model → trainer → run folder → sweeps → report, with the vocabulary every
 * room shares at the bottom and the CLI on top.)
 */
const ROOMS = [
  'errors.ts',
  'base',
  'charts',
  'util',
  'config',
  'layers',
  'data',
  'backend',
  'model',
  'train',
  'runs',
  'bench',
  'analyze',
  'sweep',
  'queue',
  'report',
  'index.ts',
  'cli',
];

/** Every file below dir, of any kind (sources, WebAssembly text, generators, generated files). */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

const MAX_LINES = 250;
/** How a long file's header says why it must be one file: "One file: <the reason>", in its first lines. */
const ONE_FILE_NOTE = /one file: \S.{30,}/i;
const HEADER_LINES = 20;

/** The files of [name, text] over MAX_LINES lines whose header does not say why they must be one file, as "name (n lines)". */
function unexplainedLongFiles(files: Array<[string, string]>): string[] {
  return files.flatMap(([name, text]) => {
    const lines = text.split('\n');
    const n = text.endsWith('\n') ? lines.length - 1 : lines.length;
    return n > MAX_LINES && !ONE_FILE_NOTE.test(lines.slice(0, HEADER_LINES).join(' ')) ? [`${name} (${n} lines)`] : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const roomOf = (file: string) => {
  const r = relative(SRC, file);
  return r.includes('/') ? r.split('/')[0]! : r;
};

/** file → the files of src/ it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) {
    const targets = [...readFileSync(f, 'utf8').matchAll(/(?:\bfrom|\bimport\s*\(|^import)\s*['"](\.{1,2}\/[^'"]+)['"]/gm)]
      .map((m) => resolve(dirname(f), m[1]!).replace(/\.js$/, '.ts'))
      .filter((t) => existsSync(t));
    graph.set(f, targets);
  }
  return graph;
}

/** Imports from a room to a higher one, as "from -> to". */
function upwardImports(graph: Map<string, string[]>): string[] {
  return [...graph].flatMap(([f, ts]) =>
    ts.filter((t) => ROOMS.indexOf(roomOf(t)) > ROOMS.indexOf(roomOf(f))).map((t) => `${relative(SRC, f)} -> ${relative(SRC, t)}`),
  );
}

/** Loops of files, each as "a -> b -> a". */
function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      found.push([...path.slice(path.indexOf(f)), f].map((x) => relative(SRC, x)).join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  return found;
}

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('knows every room (a new folder takes its place in ROOMS)', () => {
    expect([...new Set([...graph.keys()].map(roomOf))].filter((r) => !ROOMS.includes(r))).toEqual([]);
    expect(graph.size).toBeGreaterThan(100);
  });

  it('has no import from a lower room to a higher one', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('has no cycle of files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines unless its header says why it must be one file`, () => {
    const files = allFiles(SRC).map((f): [string, string] => [relative(SRC, f), readFileSync(f, 'utf8')]);
    expect(unexplainedLongFiles(files)).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
  });

  it('the size check catches a long file without the note, and only that one (it can fail)', () => {
    const long = (header: string) => `${header}\n${'x\n'.repeat(MAX_LINES)}`;
    expect(
      unexplainedLongFiles([
        ['short.ts', 'x\n'.repeat(MAX_LINES)],
        ['noted.wat', long(';; One file: one WebAssembly module, whose functions call each other in their loops')],
        ['long.ts', long('/** Does several jobs. */')],
        ['late-note.ts', `${'x\n'.repeat(HEADER_LINES)}${long('// One file: a note below the header does not count')}`],
      ]),
    ).toEqual([`long.ts (${MAX_LINES + 1} lines)`, `late-note.ts (${HEADER_LINES + MAX_LINES + 1} lines)`]);
  });

  it('the checks catch a loop and an upward import (they can fail)', () => {
    const fake = new Map([
      [join(SRC, 'base/a.ts'), [join(SRC, 'cli/b.ts')]],
      [join(SRC, 'cli/b.ts'), [join(SRC, 'base/a.ts')]],
    ]);
    expect(upwardImports(fake)).toEqual(['base/a.ts -> cli/b.ts']);
    expect(cycles(fake)).toEqual(['base/a.ts -> cli/b.ts -> base/a.ts']);
  });
});
