/**
 * Faults, tried as a careless or hostile user would (issue #13): nothing outside a run's own folder
 * is ever removed, a sweep folder and each run have one owner, every way out leaves a true status,
 * and bad input is one message with exit 2 while a bug is a stack with exit 1. Queue-mode faults
 * are in queue-faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STACK_LINE, highway, startHighway } from './helpers/cli.js';
import { epochsOf, readJson, tempDir } from './helpers/run-folder.js';
import { runDir } from '../src/sweep/run-sweep.js';
import { safeName } from '../src/util/names.js';

const tmp = () => tempDir('faults');
const BIN = fileURLToPath(new URL('../bin/highway.js', import.meta.url));
const TINY = ['--dataset', 'synthetic', '--train-size', '64', '--test-size', '16', '--depth', '2', '--width', '8', '--batch-size', '16'];

function sweepConfig(dir: string, sweep: unknown, train: Record<string, unknown> = { epochs: 2, batchSize: 16 }, name = 'faults'): string {
  const f = join(dir, 'sweep-config.json');
  writeFileSync(f, JSON.stringify({ name, dataset: { name: 'synthetic', trainSize: 64, testSize: 16 }, model: { depth: 2, width: 8 }, train, sweep }));
  return f;
}

describe('nothing outside a run folder is removed', () => {
  it('a grid value ".." cannot name the sweep folder: the run gets a safe id, the sweep folder and a user file survive', () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'the user’s own file');
    const cfg = sweepConfig(dir, { grid: { 'dataset.name': ['synthetic', '..'] } });
    const r = highway(['sweep', cfg, '--out', out, '--jobs', '1']);
    expect(r.code).toBe(4); // the ".." run fails: there is no dataset called ".."
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('the user’s own file');
    expect(existsSync(join(out, 'sweep.json'))).toBe(true);
    expect(readJson(join(out, 'runs', 'synthetic', 'summary.json')).status).toBe('completed');
    expect(readdirSync(join(out, 'runs')).sort()).toEqual(['__', 'synthetic']);
    expect(readJson(join(out, 'runs', '__', 'summary.json')).error).toMatch(/dataset/);
  });

  it('run ids are plain names: the last line of defence refuses ".", "..", separators and hidden names', () => {
    for (const id of ['..', '.', '../x', 'a/b', '.hidden', '', 'a\\0b']) expect(() => runDir('/tmp/sw', id), id).toThrow(/is not a plain name/);
    expect(runDir('/tmp/sw', 'highway-d50-t017')).toBe('/tmp/sw/runs/highway-d50-t017');
    // names made safe once, for every command
    expect(['..', '.', '../../etc/x', 'a b/c', 'ok-1.5'].map(safeName)).toEqual(['__', '_', '___.._etc_x', 'a_b_c', 'ok-1.5']);
  });

  it('--force replaces a run folder, never a folder that is not one', () => {
    const dir = tmp();
    const out = join(dir, 'notes');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'months of work');
    const r = highway(['train', ...TINY, '--epochs', '1', '--out', out, '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/notes is not a run folder \(no \.highway-run marker\) and holds other files: it is not replaced/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('months of work');
    // a real run folder is replaced
    const run = join(dir, 'run');
    expect(highway(['train', ...TINY, '--epochs', '1', '--out', run]).code).toBe(0);
    expect(highway(['train', ...TINY, '--epochs', '2', '--out', run, '--force']).code).toBe(0);
    expect(epochsOf(run)).toEqual([0, 1, 2]);
  });

  it('a sweep run whose folder holds something else fails instead of deleting it; --force leaves it too', () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    mkdirSync(join(out, 'runs', 'synthetic'), { recursive: true });
    writeFileSync(join(out, 'runs', 'synthetic', 'keep.txt'), 'not a run');
    const cfg = sweepConfig(dir, { grid: { 'dataset.name': ['synthetic'] } });
    const r = highway(['sweep', cfg, '--out', out, '--force', '--jobs', '1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/synthetic is not a run folder/);
    expect(readFileSync(join(out, 'runs', 'synthetic', 'keep.txt'), 'utf8')).toBe('not a run');
  });
});

describe('one owner per sweep folder and per run', () => {
  it("names that read alike, one of them chosen to read like the others' de-duplicated id: one folder, one summary and one runs.csv row per planned run", () => {
    const dir = tmp();
    const ids = (values: string[]) => {
      writeFileSync(join(dir, 'ids.json'), readFileSync(sweepConfig(dir, { grid: { name: values } }, { epochs: 1, batchSize: 16 }), 'utf8'));
      const r = highway(['sweep', join(dir, 'ids.json'), '--list']);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[1]!);
    };
    // "a/b" and "a_b" both read "namea_b": each gets a suffix; the third grid value is the first one's id, less the "name" prefix
    const [first] = ids(['a/b', 'a_b']);
    expect(first).toMatch(/^namea_b-/);
    const values = ['a/b', 'a_b', first!.slice('name'.length)];
    const planned = ids(values);
    expect(new Set(planned).size).toBe(3);
    const out = join(dir, 'sw');
    const r = highway(['sweep', join(dir, 'ids.json'), '--out', out, '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, 'runs')).sort()).toEqual([...planned].sort());
    // each folder trained its own configuration, once
    for (const [i, id] of planned.entries()) {
      expect(readJson(join(out, 'runs', id, 'config.json')).name, id).toBe(values[i]);
      expect(readJson(join(out, 'runs', id, 'summary.json')).status, id).toBe('completed');
      expect(epochsOf(join(out, 'runs', id)), id).toEqual([0, 1]);
    }
    const rows = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.map((l) => l.split(',')[0]).sort()).toEqual([...planned].sort());
  });

  it('a second sweep on the same folder is refused naming the holder; the first runs every run once', async () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1, 2] } }, { epochs: 40, batchSize: 8 });
    const first = startHighway(['sweep', cfg, '--out', out, '--jobs', '1']);
    while (!existsSync(join(out, '.highway-sweep.lock'))) await new Promise((r) => setTimeout(r, 20));
    const second = highway(['sweep', cfg, '--out', out, '--resume', '--jobs', '1']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`sweep folder .*sw is in use by highway sweep \\(pid ${first.child.pid} on ${hostname()}, since `));
    expect(second.stderr).not.toMatch(STACK_LINE);
    // a shard beside a whole sweep is refused too
    expect(highway(['sweep', cfg, '--out', out, '--shard', '0/2']).stderr).toMatch(/is in use by highway sweep \(pid/);
    expect(await first.exit).toBe(0);
    for (const id of ['seed1', 'seed2']) expect(epochsOf(join(out, 'runs', id))).toEqual(Array.from({ length: 41 }, (_, e) => e));
    expect(existsSync(join(out, '.highway-sweep.lock'))).toBe(false);
  });

  it('a lock left by a dead process is stale: the next sweep takes the folder', () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    mkdirSync(out);
    // a pid that is not running on this host
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(
      join(out, '.highway-sweep.lock'),
      JSON.stringify({ host: hostname(), pid: Number(dead), what: 'highway sweep', since: 'yesterday', token: 'x' }),
    );
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1] } }, { epochs: 1, batchSize: 16 });
    const r = highway(['sweep', cfg, '--out', out, '--jobs', '1']);
    expect(r.code).toBe(0);
    expect(readJson(join(out, 'runs', 'seed1', 'summary.json')).status).toBe('completed');
  });
});

describe('every way out leaves a true status', () => {
  it('SIGTERM on highway train stops at once, writes "interrupted" and exits 143', async () => {
    const out = join(tmp(), 'run');
    const p = startHighway(['train', '--dataset', 'synthetic', '--train-size', '4000', '--depth', '8', '--width', '32', '--epochs', '500', '--out', out]);
    const rows = () => (existsSync(join(out, 'metrics.csv')) ? readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length - 1 : 0);
    while (rows() < 2) await new Promise((r) => setTimeout(r, 50));
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(143);
    const s = readJson(join(out, 'summary.json'));
    expect(s.status).toBe('interrupted');
    expect(s.epochs).toBe(rows() - 1);
    expect(p.out()).toMatch(/stopping now \(SIGTERM\)/);
  });

  it('SIGHUP (the terminal closed) is a stop now, like SIGTERM: train and sweep write "interrupted" and exit 129', async () => {
    const dir = tmp();
    const rows = (run: string) => (existsSync(join(run, 'metrics.csv')) ? epochsOf(run).length : 0);
    const out = join(dir, 'run');
    const t = startHighway(['train', '--dataset', 'synthetic', '--train-size', '2000', '--depth', '4', '--width', '16', '--epochs', '500', '--out', out]);
    const sw = join(dir, 'sw');
    const s = startHighway(['sweep', sweepConfig(dir, { grid: { 'train.seed': [1] } }, { epochs: 500, batchSize: 8 }), '--out', sw, '--jobs', '1']);
    while (rows(out) < 2 || rows(join(sw, 'runs', 'seed1')) < 2) await new Promise((r) => setTimeout(r, 50));
    t.child.kill('SIGHUP');
    s.child.kill('SIGHUP');
    expect(await t.exit).toBe(129);
    expect(await s.exit).toBe(129);
    expect(t.out()).toMatch(/stopping now \(SIGHUP\)/);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.status).toBe('interrupted');
    expect(summary.epochs).toBe(rows(out) - 1);
    expect(readJson(join(sw, 'runs', 'seed1', 'summary.json')).status).toBe('interrupted');
  });

  it('SIGTERM on a sweep: its runs stop and say "interrupted", the sweep exits 143, --resume finishes them', async () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1, 2] } }, { epochs: 300, batchSize: 8 });
    const p = startHighway(['sweep', cfg, '--out', out, '--jobs', '2']);
    const started = () => ['seed1', 'seed2'].every((id) => existsSync(join(out, 'runs', id, 'metrics.csv')) && epochsOf(join(out, 'runs', id)).length >= 2);
    while (!started()) await new Promise((r) => setTimeout(r, 50));
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(143);
    for (const id of ['seed1', 'seed2']) expect(readJson(join(out, 'runs', id, 'summary.json')).status).toBe('interrupted');
    // shortened for the test: a re-plan sets the interrupted 300-epoch runs aside and trains 2-epoch ones
    const again = highway(['sweep', cfg, '--out', out, '--resume', '--replan', '--set', 'train.epochs=2']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /re-planned: 2 run\(s\) with other settings, e\.g\. seed1: train\.epochs \(300 → 2\) \(folders of changed and dropped runs, if any, set aside in .*runs\/\.replaced\)/,
    );
    for (const id of ['seed1', 'seed2']) expect(readJson(join(out, 'runs', id, 'summary.json')).status).toBe('completed');
    expect(
      readdirSync(join(out, 'runs', '.replaced'))
        .map((n) => n.replace(/-\d{4}-.*$/, ''))
        .sort(),
    ).toEqual(['seed1', 'seed2']);
  });

  it('a runner whose run was taken over while it stalled (its lease now holds another token) stops without writing', async () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1] } }, { epochs: 400, batchSize: 8 });
    const p = startHighway(['sweep', cfg, '--out', out, '--jobs', '1']);
    const run = join(out, 'runs', 'seed1');
    while (!(existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 3)) await new Promise((r) => setTimeout(r, 20));
    // what a successor writes when it takes a stale lease over: its own owner and token, alive
    const lease = join(out, '.leases', 'seed1.lease');
    writeFileSync(lease, JSON.stringify({ host: hostname(), pid: process.pid, what: 'a successor', since: new Date().toISOString(), token: 'successor' }));
    const summaryBefore = readFileSync(join(run, 'summary.json'), 'utf8');
    expect(await p.exit).toBe(0);
    const rowsAfter = epochsOf(run).length;
    expect(rowsAfter).toBeLessThan(400);
    // not a word more: the summary is the one written before the takeover, the lease the successor's
    expect(readFileSync(join(run, 'summary.json'), 'utf8')).toBe(summaryBefore);
    expect(readJson(lease).token).toBe('successor');
    expect(p.out()).toMatch(/seed1: skipped, being run by the runner that took it over/);
    await new Promise((r) => setTimeout(r, 300));
    expect(epochsOf(run).length).toBe(rowsAfter);
  });

  it('--resume after the config was edited is refused, naming what differs; --replan re-plans as documented', () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1, 2, 3] } }, { epochs: 1, batchSize: 16 });
    expect(highway(['sweep', cfg, '--out', out, '--jobs', '2']).code).toBe(0);
    rmSync(join(out, 'runs', 'seed2'), { recursive: true });
    const edited = sweepConfig(dir, { grid: { 'train.seed': [1, 2, 3] } }, { epochs: 3, batchSize: 16 });
    const refused = highway(['sweep', edited, '--out', out, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/planned differently \(sweep\.json\): 3 run\(s\) with other settings, e\.g\. seed1: train\.epochs \(1 → 3\).*--replan/);
    expect(refused.stderr).not.toMatch(STACK_LINE);
    // nothing was trained or rewritten
    expect(existsSync(join(out, 'runs', 'seed2'))).toBe(false);
    expect(readJson(join(out, 'sweep.json')).runs[0].config.train.epochs).toBe(1);
    const replanned = highway(['sweep', edited, '--out', out, '--resume', '--replan']);
    expect(replanned.code, replanned.stderr).toBe(0);
    for (const id of ['seed1', 'seed2', 'seed3']) expect(epochsOf(join(out, 'runs', id))).toEqual([0, 1, 2, 3]);
    expect(readJson(join(out, 'sweep.json')).runs[0].config.train.epochs).toBe(3);
  });
});

describe('bad input is one message and exit 2; a bug is a stack and exit 1', () => {
  it('--out naming an existing file: train, sweep and report', () => {
    const dir = tmp();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1] } }, { epochs: 1, batchSize: 16 });
    expect(highway(['train', ...TINY, '--epochs', '1', '--out', join(dir, 'r')]).code).toBe(0);
    for (const [args, msg] of [
      [['train', ...TINY, '--epochs', '1', '--out', file], /--out .*a-file is a file, not a folder/],
      [['sweep', cfg, '--out', file], /--out .*a-file is a file, not a folder/],
      [['report', join(dir, 'r'), '--out', file], /--out .*a-file is a file, not a folder/],
      [
        ['train', ...TINY, '--epochs', '1', '--out', join(file, 'sub')],
        /--out .*a-file\/sub: cannot create the folder: (part of the path is a file|a file of that name exists)/,
      ],
    ] as const) {
      const r = highway([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('a bug (injected) exits 1 with its stack, synchronous or not, on the wasm backend too', () => {
    for (const kind of ['sync', 'async']) {
      const r = spawnSync(process.execPath, [BIN, 'train', ...TINY, '--epochs', '1', '--out', join(tmp(), 'r')], {
        encoding: 'utf8',
        env: { ...process.env, HIGHWAY_INJECT_BUG: kind },
      });
      expect(r.status, kind).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`internal error \\(a bug.*\\n.*injected bug \\(HIGHWAY_INJECT_BUG=${kind}\\)`));
      expect(r.stderr).toMatch(STACK_LINE);
    }
  });

  it('a sweep config named ".." with no --out writes under results/, not into the working folder; --set name=../../etc/x too', () => {
    const dir = tmp();
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1] } }, { epochs: 1, batchSize: 16 }, '..');
    const r = highway(['sweep', cfg, '--jobs', '1'], dir);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'results', '__', 'runs', 'seed1', 'summary.json'))).toBe(true);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
    const t = highway(['train', ...TINY, '--epochs', '1', '--set', 'name=../../etc/x'], dir);
    expect(t.code).toBe(0);
    const made = readdirSync(join(dir, 'results')).filter((n) => n.includes('etc'));
    expect(made).toHaveLength(1);
    expect(made[0]!.startsWith('.')).toBe(false);
    expect(highway(['report', join(dir, 'results')], dir).stdout).toMatch(/^2 runs → /m);
  });
});

describe('highway report on damaged folders', () => {
  it('a corrupt metrics.csv is reported as unreadable and the report goes on; links are not followed', () => {
    const dir = tmp();
    const out = join(dir, 'sw');
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1, 2] } }, { epochs: 1, batchSize: 16 });
    expect(highway(['sweep', cfg, '--out', out, '--jobs', '1']).code).toBe(0);
    writeFileSync(join(out, 'runs', 'seed2', 'metrics.csv'), '"epoch,train_loss\n1,"unterminated\n');
    symlinkSync('.', join(out, 'runs', 'self'));
    symlinkSync(join(out, 'nowhere'), join(out, 'runs', 'dangling'));
    mkdirSync(join(out, 'runs', 'loop'));
    symlinkSync(join(out, 'runs', 'loop'), join(out, 'runs', 'loop', 'again'));
    const r = highway(['report', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2 runs → /m);
    expect(r.stderr).toMatch(/unreadable run seed2: .*metrics\.csv/);
    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv.find((l) => l.startsWith('seed2,'))).toMatch(/,unreadable,/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Unreadable \(left out of every statistic\): runs\/seed2 /);
    // and a sweep resumed over it still finishes (its report included)
    const again = highway(['sweep', cfg, '--out', out, '--resume']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/report: /);
  });
});

// A full or read-only filesystem, made for real: a tiny tmpfs in a user and mount namespace.
const unshareWhyNot = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true']).status === 0 ? null : 'unshare --user --mount is not allowed here';
if (unshareWhyNot) process.stderr.write(`disk-full tests skipped: ${unshareWhyNot}\n`);

function inTinyFilesystem(mountOptions: string, command: string): { out: string; mnt: string } {
  const mnt = tmp();
  const script = `mount -t tmpfs -o ${mountOptions} tmpfs ${mnt} && ${command.replaceAll('$MNT', mnt)}`;
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script], { encoding: 'utf8' });
  return { out: r.stdout + r.stderr, mnt };
}

describe.skipIf(unshareWhyNot !== null)('a full or read-only disk', () => {
  const node = `${process.execPath} ${BIN}`;
  it('disk full while saving the model: summary says failed with the reason, no temp files, one message, exit 2', () => {
    const { out } = inTinyFilesystem(
      'size=64k',
      `${node} train --dataset synthetic --train-size 64 --test-size 16 --depth 3 --width 400 --epochs 1 --out $MNT/run; echo "exit=$?"; echo "files: $(ls -A $MNT/run | tr '\\n' ' ')"; echo "checkpoints: $(ls -A $MNT/run/checkpoints 2>/dev/null | tr '\\n' ' ')"; cat $MNT/run/summary.json`,
    );
    // the first write that does not fit: the epoch's checkpoint (or, with checkpoints off, the model)
    expect(out).toMatch(/highway: error: cannot write \S+\/run\/(model|checkpoints\/epoch-0001): the disk is full/);
    expect(out).not.toMatch(STACK_LINE);
    expect(out).toMatch(/exit=2/);
    expect(out).toMatch(/"status": "failed"/);
    expect(out).toMatch(/"error": "cannot write .*the disk is full"/);
    // the finished rows are kept; no temp file or half-written model is left
    expect(out).toMatch(/^files: \.highway-run (checkpoints )?config\.json metrics\.csv metrics\.jsonl summary\.json $/m);
    expect(out).toMatch(/^checkpoints: $/m);
  });

  it('the disk fills during a --jobs 2 sweep: the run it hit fails with the reason, nothing new starts, every run has a true status, exit 4', () => {
    const dir = tmp();
    const cfg = sweepConfig(dir, { grid: { 'train.seed': [1, 2, 3, 4, 5, 6, 7, 8] } }, { epochs: 2, batchSize: 16 });
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('"width":8', '"width":300'));
    // for every run folder: its status (or "none" when it has no summary) and its metrics rows
    const { out } = inTinyFilesystem(
      'size=12m',
      `${node} sweep ${cfg} --jobs 2 --out $MNT/sw; echo "exit=$?"; for f in $MNT/sw/runs/*; do echo "run $(basename $f) $(grep -o '"status": "[a-z]*"' $f/summary.json || echo none) rows=$(($(wc -l < $f/metrics.csv) - 1))"; done`,
    );
    expect(out).toMatch(/exit=4/);
    expect(out).not.toMatch(STACK_LINE);
    expect(out).toMatch(/failed: seed\d: cannot write \S+: the disk is full/);
    expect(out).toMatch(/sweep stopped \(the disk is full\)/);
    // nothing starts once the disk is known to be full
    const full = out.search(/the disk is full \(.*\): no new run starts/);
    expect(full).toBeGreaterThan(0);
    expect(out.slice(full)).not.toMatch(/^start seed/m);
    // every run that started has a folder, and every folder a true status: none is left "running" or without a summary
    const started = [...out.matchAll(/^start (seed\d)/gm)].map((m) => m[1]).sort();
    const runs = [...out.matchAll(/^run (seed\d) (.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(runs.map(([id]) => id)).toEqual(started);
    // the disk held some runs and not all: the rest never started
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.length).toBeLessThan(8);
    for (const [id, what] of runs) {
      expect(what, id).toMatch(/^"status": "(completed|failed)" rows=-?\d+$/);
      // completed means every epoch's row (0, 1, 2); failed means a line saying why
      if (what.includes('completed')) expect(what, id).toMatch(/rows=3$/);
      // the reason, and where the disk also refused the run's summary.json, a note saying so
      else
        expect(out, id).toMatch(
          new RegExp(`^failed: ${id}: cannot write \\S+: the disk is full(; the run's summary.json could not be updated either .*)?$`, 'm'),
        );
    }
    expect(runs.some(([, what]) => what.includes('failed'))).toBe(true);
  });

  it('a read-only place: one message naming it, exit 2', () => {
    const { out } = inTinyFilesystem('size=64k,ro', `${node} train --dataset synthetic --train-size 64 --epochs 1 --out $MNT/run; echo "exit=$?"`);
    expect(out).toMatch(/--out .*\/run: cannot create the folder: the filesystem is read-only/);
    expect(out).toMatch(/exit=2/);
    expect(out).not.toMatch(STACK_LINE);
  });
});
