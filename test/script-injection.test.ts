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
import { STACK_LINE, highway, refusal } from './helpers/cli.js';
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

  it('refuses a newline (or any control character) in the config path, --out or a --set value: nothing is written', async () => {
    const dir = tempDir('sbatch');
    const evil = `evil\ntouch PWNED4\n`;
    // end to end: a config file whose name holds a newline (the comment line of the script would end there)
    const r = highway(['sweep', config(join(dir, evil), 'x'), '--emit', 'slurm', '--out', join(dir, 'o1')], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file .*: a job script cannot hold a control character \(a newline\)/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const ok = config(join(dir, 'ok'), 'x');
    for (const [args, re] of [
      [['--out', join(dir, `o2${evil}`)], /--out .*: a job script cannot hold a control character \(a newline\)/],
      [['--out', join(dir, 'o3'), '--set', `name=a${evil}`], /--set name=.*: a job script cannot hold a control character \(a newline\)/],
      [['--out', join(dir, 'o4'), '--set', 'name=a\tb'], /--set name=a\\tb: a job script cannot hold a control character \(a tab\)/],
    ] as Array<[string[], RegExp]>)
      expect(await refusal(['sweep', ok, '--emit', 'slurm', ...args])).toMatch(re);
    for (const o of ['o1', `o2${evil}`, 'o3', 'o4']) expect(existsSync(join(dir, o)), o).toBe(false);
    expect(pwned(dir)).toEqual([]);
  });

  it('refuses an --out that a #SBATCH line cannot hold (sbatch does not unquote it), naming the character', async () => {
    const dir = tempDir('sbatch');
    const cfg = config(join(dir, 'ok'), 'x');
    const why = (c: string) =>
      new RegExp(`--out .*: the #SBATCH --output line cannot hold ${c}.*choose a folder path of letters, digits and _ \\. / - \\+ = : , @`);
    // end to end, then the other characters in this process
    const r = highway(['sweep', cfg, '--emit', 'slurm', '--out', join(dir, 'with space')], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why('" "'));
    for (const [out, c] of [
      ['dollar$(touch PWNED5)', '"\\$"'],
      ['100%', '"%"'],
      ["quote'd", `"'"`],
    ] as const)
      expect(await refusal(['sweep', cfg, '--emit', 'slurm', '--out', join(dir, out)]), out).toMatch(why(c));
    for (const out of ['with space', 'dollar$(touch PWNED5)', '100%', "quote'd"]) expect(existsSync(join(dir, out)), out).toBe(false);
    expect(pwned(dir)).toEqual([]);
  });
});
