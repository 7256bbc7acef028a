import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_LINE, highway } from './helpers/cli.js';

function sweepConfig(dir: string, sweep: unknown, over: Record<string, unknown> = {}): string {
  const f = join(dir, 'sweep.json');
  writeFileSync(
    f,
    JSON.stringify({
      name: 'tiny',
      dataset: { name: 'synthetic', trainSize: 64, testSize: 32 },
      model: { width: 8, depth: 3 },
      train: { epochs: 2, batchSize: 16, lr: 0.05 },
      ...over,
      sweep,
    }),
  );
  return f;
}
const summaryOf = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, 'runs', id, 'summary.json'), 'utf8'));

describe('highway sweep', () => {
  it('a failing run is recorded and the others complete; --resume reruns only what did not finish', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sweep-'));
    // the idx:… runs fail inside their worker (missing folder); the synthetic runs complete
    const cfg = sweepConfig(tmp, { grid: { 'dataset.name': ['synthetic', `idx:${join(tmp, 'missing')}`], 'model.type': ['plain', 'highway'] } });
    const out = join(tmp, 'out');
    const r = highway(['sweep', cfg, '--out', out, '--jobs', '2']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/2 completed, 0 diverged, 2 failed/);
    expect(r.stderr).toMatch(/failed: idx_.*-plain: dataset "idx:.*missing": folder .* does not exist/);
    const ids = ['synthetic-plain', 'synthetic-highway'];
    for (const id of ids) expect(summaryOf(out, id).status).toBe('completed');
    const runsCsv = readFileSync(join(out, 'runs.csv'), 'utf8');
    expect(runsCsv.split('\n').filter((l) => l.includes(',failed,')).length).toBe(2);

    // simulate a sweep killed mid-run: one finished run loses its summary status, one folder vanishes
    const keep = join(out, 'runs', ids[0]!, 'metrics.csv');
    const before = { text: readFileSync(keep, 'utf8'), mtime: statSync(keep).mtimeMs };
    writeFileSync(join(out, 'runs', ids[1]!, 'summary.json'), JSON.stringify({ status: 'running' }));
    const refused = highway(['sweep', cfg, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds 4 run folder\(s\); pass --resume/);
    expect(refused.stderr).not.toMatch(STACK_LINE);

    const resumed = highway(['sweep', cfg, '--out', out, '--resume', '--jobs', '2']);
    expect(resumed.stdout).toMatch(/1 completed, 0 diverged, 2 failed, 1 skipped \(already finished\)/);
    expect(resumed.stderr).toMatch(/4 runs, 1 already finished \(skipped\), 3 to run/);
    expect(readFileSync(keep, 'utf8')).toBe(before.text);
    expect(statSync(keep).mtimeMs).toBe(before.mtime);
    expect(summaryOf(out, ids[1]!).status).toBe('completed');

    rmSync(join(out, 'runs', ids[1]!), { recursive: true });
    const again = highway(['sweep', cfg, '--out', out, '--resume']);
    expect(again.stdout).toMatch(/1 completed, 0 diverged, 2 failed, 1 skipped/);
  });

  it('each run folder is exactly what `highway train` writes, plus the sweep id and parameters', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sweep-'));
    const cfg = sweepConfig(tmp, { random: { trials: 2, seed: 3, space: { 'model.gateBias': { uniform: [-4, -1] } } } });
    const out = join(tmp, 'out');
    const r = highway(['sweep', cfg, '--out', out, '--jobs', '1', '--set', 'train.epochs=1', '--set', 'train.analyze=true']);
    expect(r.code).toBe(0);
    // "analyze": true analyzes every (highway) run of the sweep
    expect(
      readFileSync(join(out, 'runs', 't000', 'analysis', 'gates.csv'), 'utf8')
        .trim()
        .split('\n').length,
    ).toBe(1 + 2);
    const config = JSON.parse(readFileSync(join(out, 'runs', 't001', 'config.json'), 'utf8'));
    expect(config.run.sweep).toMatchObject({ id: 't001', index: 1, trial: 1 });
    expect(config.model.gateBias).toBe(config.run.sweep.params['model.gateBias']);
    expect(config.train.epochs).toBe(1);
    const header = readFileSync(join(out, 'runs', 't001', 'metrics.csv'), 'utf8').split('\n')[0];
    expect(header).toBe('epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds,eval_seconds');
    const list = highway(['sweep', cfg, '--list']);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[1]),
    ).toEqual(['t000', 't001']);
  });

  it('config errors stop the sweep before any run starts', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sweep-'));
    const cfg = sweepConfig(tmp, { grid: { 'model.depht': [1, 2] } });
    const r = highway(['sweep', cfg, '--out', join(tmp, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown config path "model\.depht" \(did you mean "model\.depth"\?\)/);
    const noSweep = join(tmp, 'plain.json');
    writeFileSync(noSweep, JSON.stringify({ model: { depth: 2 } }));
    expect(highway(['sweep', noSweep]).stderr).toMatch(/no "sweep" section/);
    // and the opposite: train on a sweep config would train its base once and drop the sweep
    const wrongCommand = highway(['train', '--config', cfg, '--out', join(tmp, 'one')]);
    expect(wrongCommand.code).toBe(2);
    expect(wrongCommand.stderr).toMatch(/has a "sweep" section, which highway train would ignore: run it with `highway sweep .*sweep\.json`/);
    expect(existsSync(join(tmp, 'one'))).toBe(false);
    expect(highway(['sweep', cfg, '--jobs', '0']).stderr).toMatch(/--jobs: expected an integer from 1 to 256, got "0"/);
  });
});

describe('highway sweep survives a crashed worker', () => {
  it('SIGKILL of one worker mid-run: that run is recorded failed with its rows kept, the rest complete', async () => {
    const { spawn } = await import('node:child_process');
    const tmp = mkdtempSync(join(tmpdir(), 'sweep-kill-'));
    const f = sweepConfig(
      tmp,
      { grid: { 'train.epochs': [400, 2] } },
      { dataset: { name: 'synthetic', trainSize: 2000, testSize: 32 }, model: { width: 16, depth: 4 }, train: { epochs: 3, batchSize: 16 } },
    );
    const out = join(tmp, 'out');
    const bin = new URL('../bin/highway.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [bin, 'sweep', f, '--out', out, '--jobs', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const longRun = join(out, 'runs', 'epochs400');
    const pid = async (): Promise<number> => {
      for (;;) {
        try {
          const rows = readFileSync(join(longRun, 'metrics.csv'), 'utf8').trim().split('\n').length;
          // the worker process running it records its pid in the run's config.json
          if (rows >= 3) return JSON.parse(readFileSync(join(longRun, 'config.json'), 'utf8')).run.pid as number;
        } catch {
          /* not started yet */
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    process.kill(await pid(), 'SIGKILL');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(4);
    expect(stdout).toMatch(/1 completed, 0 diverged, 1 failed/);
    const s = summaryOf(out, 'epochs400');
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/worker exited with signal SIGKILL/);
    expect(summaryOf(out, 'epochs2').status).toBe('completed');
    // finished rows of the killed run were kept until the rerun
    expect(readFileSync(join(longRun, 'metrics.csv'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3);
  });
  it('a sweep folder whose run ids an earlier version made differently (names that differ only in case) resumes under its recorded ids: nothing is retrained', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sweep-ids-'));
    const cfg = sweepConfig(tmp, { grid: { name: ['Tiny', 'tiny'] } }, { train: { epochs: 1, batchSize: 16 } });
    const out = join(tmp, 'out');
    expect(highway(['sweep', cfg, '--out', out, '--quiet']).code).toBe(0);
    // as an earlier version named them: the plain labels, without the digests that tell them apart
    const planFile = join(out, 'sweep.json');
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    const now = plan.runs.map((r: { id: string }) => r.id);
    expect(now.every((id: string) => /^name(Tiny|tiny)-[0-9a-f]{6}$/.test(id))).toBe(true);
    const earlier = now.map((id: string) => id.replace(/-[0-9a-f]{6}$/, ''));
    plan.runs.forEach((r: { id: string; group: string }, i: number) => {
      renameSync(join(out, 'runs', r.id), join(out, 'runs', earlier[i]));
      r.id = earlier[i];
      r.group = earlier[i];
    });
    writeFileSync(planFile, JSON.stringify(plan));
    const stamps = earlier.map((id: string) => statSync(join(out, 'runs', id, 'metrics.csv')).mtimeMs);
    const resumed = highway(['sweep', cfg, '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/2 already finished \(skipped\), 0 to run/);
    expect(earlier.map((id: string) => statSync(join(out, 'runs', id, 'metrics.csv')).mtimeMs)).toEqual(stamps);
    expect(JSON.parse(readFileSync(planFile, 'utf8')).runs.map((r: { id: string }) => r.id)).toEqual(earlier);
    // a changed config is still a different plan, refused as before
    const changed = sweepConfig(tmp, { grid: { name: ['Tiny', 'tiny'] } }, { train: { epochs: 2, batchSize: 16 } });
    const refused = highway(['sweep', changed, '--out', out, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/planned differently/);
  });
});
