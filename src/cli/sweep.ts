import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { positiveInt } from './options.js';
import { loadConfigFile, parseSet } from '../config/index.js';
import { UserError } from '../errors.js';
import { parseSweepSpec } from '../sweep/spec.js';
import { expandSweep } from '../sweep/expand.js';
import { runSweep } from '../sweep/run-sweep.js';
import type { StopRequest } from '../train/index.js';
import { formatLoss } from '../report/claims.js';

const fmtTime = (s: number) => {
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
};

const EXAMPLES = `
Examples:
  $ highway sweep configs/depth-quick.json                 # 8 runs, 2 at a time, report at the end
  $ highway sweep configs/paper-fig1.json --jobs 2 --out results/fig1
  $ highway sweep configs/paper-fig1.json --out results/fig1 --resume   # after a crash or Ctrl-C
  $ highway sweep configs/depth-quick.json --set train.epochs=5 --list  # show the runs, run nothing

A sweep config is a train config plus a "sweep" section:
  "sweep": { "grid":   { "model.type": ["plain", "highway"], "model.depth": [10, 20, 50, 100] },
             "random": { "trials": 100, "seed": 7,
                         "space": { "train.lr": { "logUniform": [0.0001, 1] },
                                    "model.gateBias": { "uniform": [-10, -1] } } } }
Distributions: uniform, logUniform, intUniform ([lo, hi]) and choice ([...]).

Outputs (in --out, default results/<name>/): runs/<run-id>/ (each exactly what \`highway train\`
writes), sweep.json (the expansion), and the report files (see \`highway report --help\`).`;

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('run a grid and/or random search of configurations in parallel worker processes, resumably')
    .argument('<config>', 'JSON config with dataset/model/train sections and a "sweep" section')
    .option('-j, --jobs <n>', `runs at a time, each in its own process [default: CPU count, ${availableParallelism()} here]`, positiveInt('--jobs'))
    .option('-o, --out <dir>', 'sweep folder (default: results/<name>)')
    .option('--resume', 'skip runs that completed or diverged, rerun the others')
    .option('-f, --force', 'delete the runs already in the folder and start over')
    .option('--set <path=value>', 'set a base config field for every run (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--list', 'print the expanded runs (index, id, parameters) and exit')
    .option('-q, --quiet', 'print only the final summary')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, opts: { jobs?: number; out?: string; resume?: boolean; force?: boolean; set: string[]; list?: boolean; quiet?: boolean }) => {
      const flat = loadConfigFile(file, ['sweep', 'run']);
      if (!flat.has('sweep')) throw new UserError(`${file}: no "sweep" section (use \`highway train --config ${file}\` for a single run)`);
      const spec = parseSweepSpec(flat.get('sweep'), file);
      flat.delete('sweep');
      flat.delete('run');
      const base = new Map([...flat, ...opts.set.map(parseSet)]);
      const runs = expandSweep(spec, base);
      if (opts.list) {
        for (const r of runs) process.stdout.write(`${r.index}\t${r.id}\t${JSON.stringify(r.params)}\n`);
        return;
      }
      const name = runs[0]!.config.name.replace(/[^\w.-]+/g, '_');
      const dir = opts.out ?? join('results', name);
      const jobs = opts.jobs ?? availableParallelism();
      const log = (s: string) => {
        if (!opts.quiet) process.stderr.write(`${s}\n`);
      };

      let stop: StopRequest = 'no';
      const onSigint = () => {
        stop = stop === 'no' ? 'after-epoch' : 'now';
        process.stderr.write(stop === 'after-epoch' ? '\nstopping: runs in flight finish their epoch, nothing new starts (Ctrl-C again to stop now)\n' : '\nstopping now\n');
      };
      process.on('SIGINT', onSigint);
      let result;
      try {
        result = await runSweep(runs, {
          dir,
          jobs,
          resume: Boolean(opts.resume),
          force: Boolean(opts.force),
          stopRequested: () => stop,
          onEvent: (e) => {
            if (e.type === 'plan') {
              log(`sweep ${file}: ${e.total} runs${e.skipped ? `, ${e.skipped} already finished (skipped)` : ''}, ${e.toRun} to run, ${e.jobs} at a time → ${dir}`);
            } else if (e.type === 'run-end') {
              const o = e.outcome;
              const f = o.summary?.final;
              const detail = o.status === 'failed' ? `error: ${o.error}` : f ? `train_loss ${formatLoss(f.trainLoss ?? Number.NaN)}  test_acc ${(f.testAcc ?? Number.NaN).toFixed(4)}` : '';
              const eta = e.etaSeconds ? `  ETA ${fmtTime(e.etaSeconds)}` : '';
              log(`[${e.done}/${e.toRun}] ${o.run.id}  ${o.status}  ${detail}  (${o.seconds.toFixed(1)}s)${e.failed ? `  ${e.failed} failed` : ''}${eta}`);
            }
          },
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
      // loaded here, not at start: the chart renderer is a large import the workers' start need not wait for
      const { writeReport } = await import('../report/index.js');
      const report = await writeReport(dir);
      const by = (s: string) => result.outcomes.filter((o) => o.status === s).length;
      process.stdout.write(
        `sweep ${result.interrupted ? 'interrupted' : 'done'}: ${by('completed')} completed, ${by('diverged')} diverged, ${by('failed')} failed` +
          `${result.skipped.length ? `, ${result.skipped.length} skipped (already finished)` : ''}\n` +
          `report: ${report.files.join(', ')}\n`,
      );
      for (const o of result.outcomes.filter((x) => x.status === 'failed')) process.stderr.write(`failed: ${o.run.id}: ${o.error}\n`);
      if (result.interrupted) process.exitCode = 130;
      else if (by('failed') > 0) process.exitCode = 4;
    });
}
