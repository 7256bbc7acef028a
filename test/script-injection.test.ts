/**
 * The sbatch script of `highway sweep --emit slurm` (issue #25): every value written into it — the
 * config's path, --out, --set values, the sweep's name — is quoted, or refused when a #SBATCH line
 * or a comment could not hold it. Checked by bash itself: `bash -n`, and a run of the script with
 * a stub `node` on PATH that records the arguments it was given.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STACK_LINE, highway } from './helpers/cli.js';
import { tempDir } from './helpers/run-folder.js';

const BIN = fileURLToPath(new URL('../bin/highway.js', import.meta.url));

/** Every file named PWNED* under `dir`: a command from a name that ran. */
const pwned = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.split('/').pop()!.startsWith('PWNED'));

function config(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, 'c.json');
  writeFileSync(f, JSON.stringify({ name, dataset: { name: 'synthetic' }, train: { epochs: 1 }, sweep: { grid: { 'train.seed': [1, 2] } } }));
  return f;
}

/** Run the script as Slurm would run task `task`, with `node` a stub: the arguments it got, one per element. */
function runScript(script: string, cwd: string, task: number): { code: number | null; args: string[] | null; stderr: string } {
  const stub = join(cwd, 'stub-bin');
  mkdirSync(stub, { recursive: true });
  const argsFile = join(cwd, 'node-args');
  writeFileSync(join(stub, 'node'), `#!/bin/sh\nprintf '%s\\0' "$@" > '${argsFile}'\n`);
  chmodSync(join(stub, 'node'), 0o755);
  const r = spawnSync('bash', [script], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${stub}:${process.env.PATH}`, SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_JOB_ID: '77' },
  });
  const args = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\0').slice(0, -1) : null;
  return { code: r.status, args, stderr: r.stderr };
}

// a value that would run commands if it were pasted into a script unquoted
const HOSTILE = `a'b"c $(touch PWNED1) \`touch PWNED2\`; touch PWNED3 & \\ $HOME *`;

describe('the sbatch script', () => {
  it('quotes every value: bash parses it, and the sweep gets each value back exactly; nothing runs', () => {
    const dir = tempDir('sbatch');
    const cfg = config(join(dir, `conf ${HOSTILE}`), `study ${HOSTILE}`);
    const out = join(dir, 'plain-out');
    const sets = [`name=${HOSTILE}`, 'train.lr=0.05', `dataset.name=${HOSTILE}`];
    const r = highway(['sweep', cfg, '--emit', 'slurm', '--out', out, ...sets.flatMap((s) => ['--set', s])], dir);
    expect(r.code, r.stderr).toBe(0);
    const script = join(out, 'sweep.sbatch');
    expect(spawnSync('bash', ['-n', script], { encoding: 'utf8' }).status).toBe(0);
    // the #SBATCH lines hold plain values only (sbatch reads them itself, with no shell quoting)
    for (const line of readFileSync(script, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#SBATCH')))
      expect(line).toMatch(/^#SBATCH --[\w-]+=[\w@%+=:,./-]+$/);
    const ran = runScript(script, dir, 1);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.args).toEqual([BIN, 'sweep', resolve(cfg), '--shard', '1/2', '--out', resolve(out), '--jobs', '1', ...sets.flatMap((s) => ['--set', s])]);
    expect(pwned(dir)).toEqual([]);
  });

  it('refuses a newline (or any control character) in the config path, --out or a --set value: nothing is written', () => {
    const dir = tempDir('sbatch');
    const evil = `evil\ntouch PWNED4\n`;
    const cases: Array<[string[], RegExp]> = [
      [
        ['sweep', config(join(dir, evil), 'x'), '--emit', 'slurm', '--out', join(dir, 'o1')],
        /config file .*: a job script cannot hold a control character \(a newline\)/,
      ],
      [
        ['sweep', config(join(dir, 'ok'), 'x'), '--emit', 'slurm', '--out', join(dir, `o2${evil}`)],
        /--out .*: a job script cannot hold a control character \(a newline\)/,
      ],
      [
        ['sweep', config(join(dir, 'ok'), 'x'), '--emit', 'slurm', '--out', join(dir, 'o3'), '--set', `name=a${evil}`],
        /--set name=.*: a job script cannot hold a control character \(a newline\)/,
      ],
      [
        ['sweep', config(join(dir, 'ok'), 'x'), '--emit', 'slurm', '--out', join(dir, 'o4'), '--set', 'name=a\tb'],
        /--set name=a\\tb: a job script cannot hold a control character \(a tab\)/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = highway(args, dir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    for (const o of ['o1', `o2${evil}`, 'o3', 'o4']) expect(existsSync(join(dir, o)), o).toBe(false);
    expect(pwned(dir)).toEqual([]);
  });

  it('refuses an --out that a #SBATCH line cannot hold (sbatch does not unquote it), naming the character', () => {
    const dir = tempDir('sbatch');
    const cfg = config(join(dir, 'ok'), 'x');
    for (const [out, what] of [
      ['with space', '" "'],
      ['dollar$(touch PWNED5)', '"\\$"'],
      ['100%', '"%"'],
      ["quote'd", `"'"`],
    ]) {
      const r = highway(['sweep', cfg, '--emit', 'slurm', '--out', join(dir, out!)], dir);
      expect(r.code, out).toBe(2);
      expect(r.stderr, out).toMatch(
        new RegExp(`--out .*: the #SBATCH --output line cannot hold ${what}.*choose a folder path of letters, digits and _ . / - \\+ = : , @`),
      );
      expect(existsSync(join(dir, out!)), out).toBe(false);
    }
    expect(pwned(dir)).toEqual([]);
  });
});
