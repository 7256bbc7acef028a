import { join } from 'node:path';
import { Command } from 'commander';
import { folderArg, jobsOption, positiveInt } from './options.js';
import { loadConfigFile, parseSet } from '../config/index.js';
import { UserError } from '../errors.js';
import { parseSweepSpec, type SweepSpec } from '../sweep/spec.js';
import { expandSweep } from '../sweep/expand.js';
import { keepRecordedIds } from '../sweep/plan-file.js';
import { runDir, runSweep } from '../sweep/run-sweep.js';
import { readSummary } from '../sweep/pool.js';
import { nameFolder, safeName } from '../util/names.js';
import { clip } from '../util/strings.js';
import { printable } from '../util/escape.js';
import { inShard, parseShard, type Shard } from '../sweep/shard.js';
import type { PlannedRun } from '../sweep/expand.js';
import { applySweepSet, isSweepSet } from '../sweep/set-sweep.js';
import { throttled } from '../util/throttle.js';
import { DEFAULT_QUEUE, checkQueueName } from '../queue/connection.js';
import { exitCodeFor, listenForStop } from '../util/stop-signals.js';
import { checkScheduler, describeScheduler } from '../sweep/scheduler-checks.js';
import { SweepProgress } from './sweep-progress.js';
import { queueSweep } from './sweep-queue.js';
import { emitSlurm } from '../sweep/emit-slurm.js';
import { DEFAULT_MAX_RUNS } from '../sweep/expand.js';

const EXAMPLES = `
Examples:
  $ highway sweep configs/depth-quick.json                 # 12 runs, 2 at a time, report at the end
  $ highway sweep configs/paper-fig1.json --jobs 2 --out results/fig1
  $ highway sweep configs/paper-fig1.json --out results/fig1 --resume   # after a crash or Ctrl-C
  $ highway sweep configs/depth-quick.json --set train.epochs=5 --list  # show the runs, run nothing

A sweep config is a train config plus a "sweep" section:
  "sweep": { "grid":   { "model.type": ["plain", "highway"], "model.depth": [10, 20, 50, 100] },
             "random": { "trials": 100, "seed": 7,
                         "space": { "train.lr": { "logUniform": [0.0001, 1] },
                                    "model.gateBias": { "uniform": [-10, -1] } } } }
Distributions: uniform, logUniform, intUniform ([lo, hi]) and choice ([...]).
Early stopping per grid point: "scheduler": { "sha": { "minEpochs": 1, "reduction": 3, "minFinishers": 10 } }
(synchronous successive halving: the same finishers whatever the timing), or { "asha": { … } }.

Beyond one machine (same run ids, folders and report):
  $ highway sweep cfg.json --queue redis://host:6379 --out /shared/fig1    # enqueue (BullMQ), return
  $ highway worker --queue redis://host:6379                               # on every machine
  $ highway sweep cfg.json --queue redis://host:6379 --out /shared/fig1 --status   # or --wait
  $ highway sweep cfg.json --shard 3/10 --out /shared/fig1     # array-job task 3 of 10
  $ highway sweep cfg.json --emit slurm --out /shared/fig1     # writes /shared/fig1/sweep.sbatch

Outputs (in --out, default results/<name>/): runs/<run-id>/ (each exactly what \`highway train\`
writes), sweep.json (the expansion), and the report files (see \`highway report --help\`).`;

type SweepOpts = {
  jobs: number;
  out?: string;
  resume?: boolean;
  force?: boolean;
  set: string[];
  list?: boolean;
  quiet?: boolean;
  queue?: string;
  queueName: string;
  wait?: boolean;
  status?: boolean;
  shard?: Shard;
  emit?: string;
  tasks?: number;
  replan?: boolean;
  maxRuns: number;
};

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('run a grid and/or random search of configurations in parallel worker processes, resumably')
    .argument('<config>', 'JSON config with dataset/model/train sections and a "sweep" section')
    .addOption(jobsOption())
    .option('-o, --out <dir>', 'sweep folder (default: results/<name>)', folderArg('--out'))
    .option(
      '--resume',
      'skip runs that completed, diverged or were stopped early; continue the others from their checkpoints (the plan in sweep.json must not have changed)',
    )
    .option('-f, --force', 'delete the runs already in the folder and start over')
    .option(
      '--replan',
      'with --resume: accept a config that plans differently from the recorded sweep.json (unchanged runs are kept; changed and dropped runs are set aside in runs/.replaced/; changed and new runs train afresh)',
    )
    .option('--max-runs <n>', 'refuse a plan of more runs than this', positiveInt('--max-runs', 100_000_000), DEFAULT_MAX_RUNS)
    .option(
      '--set <path=value>',
      'set a base config field for every run, or the sweep section: --set sweep.random.trials=2 (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--list', 'print the expanded runs (index, id, parameters) and exit')
    .option('-q, --quiet', 'no live display and no per-epoch lines: one line per run that ends, then the summary')
    .option('--queue <url>', 'enqueue the runs on a Redis queue (redis://host:port[/db]) for `highway worker`s instead of running them here')
    .option('--queue-name <name>', 'queue to use (to keep concurrent sweeps apart)', checkQueueName, DEFAULT_QUEUE)
    .option('--wait', 'with --queue: wait for the workers, showing progress, then write the report')
    .option('--status', 'with --queue: print how many runs are waiting, active, completed and failed, and exit')
    .option('--shard <i/n>', 'run only the runs whose index ≡ i (mod n) (array jobs; finished runs are skipped)', parseShard)
    .option('--emit <system>', 'write a job script instead of running: slurm (an sbatch job array, one shard per task)')
    .option('--tasks <n>', 'with --emit: array tasks (default: one per run, at most 1000)', positiveInt('--tasks', 100_000))
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, opts: SweepOpts, cmd: Command) => {
      // --jobs has a default; what matters below is whether the user gave it
      const jobsGiven = cmd.getOptionValueSource('jobs') === 'cli';
      const flat = loadConfigFile(file, ['sweep', 'run']);
      if (!flat.has('sweep')) throw new UserError(`${file}: no "sweep" section (use \`highway train --config ${file}\` for a single run)`);
      // --set sweep.… changes the sweep section, any other --set a config field of every run
      const sweepSets = opts.set.filter(isSweepSet);
      const sweepSection = sweepSets.reduce<unknown>((s, a) => applySweepSet(s, a), flat.get('sweep'));
      // a mistake may be the --set's, not the file's: name both
      const spec = parseSweepSpec(sweepSection, sweepSets.length ? `${file} with ${sweepSets.map((a) => `--set ${printable(clip(a))}`).join(' ')}` : file);
      flat.delete('sweep');
      flat.delete('run');
      const base = new Map([...flat, ...opts.set.filter((a) => !isSweepSet(a)).map(parseSet)]);
      const expanded = expandSweep(spec, base, opts.maxRuns);
      const dir = opts.out ?? join('results', nameFolder(expanded[0]!.config.name));
      const plan = opts.force ? expanded : keepRecordedIds(dir, expanded);
      if (spec.scheduler) checkScheduler(spec.scheduler, plan, file);
      const runs = opts.shard ? inShard(plan, opts.shard) : plan;
      if (opts.list) {
        for (const r of runs) process.stdout.write(`${r.index}\t${r.id}\t${JSON.stringify(r.params)}\n`);
        return;
      }
      const name = safeName(plan[0]!.config.name);
      if ((opts.wait || opts.status) && !opts.queue) throw new UserError(`--${opts.wait ? 'wait' : 'status'} needs --queue <redis url>`);
      if (opts.tasks && !opts.emit) throw new UserError('--tasks is for --emit');
      if (opts.emit !== undefined) return emitScript(opts, file, plan, dir, name, spec);
      if (opts.queue && (jobsGiven || opts.force || opts.resume)) {
        const flag = jobsGiven ? '--jobs' : opts.force ? '--force' : '--resume';
        throw new UserError(
          `${flag} is for sweeps run here; with --queue, ${jobsGiven ? 'give --jobs to `highway worker`' : 'enqueueing again already skips finished runs and requeues failed ones'}`,
        );
      }
      if (opts.queue) return queueSweep({ ...opts, queue: opts.queue }, file, plan, runs, dir, spec);
      if (opts.shard && opts.force) throw new UserError("--force cannot be combined with --shard (it would delete the other shards' runs)");
      const jobs = opts.jobs;
      const progress = new SweepProgress(process.stderr, Boolean(opts.quiet), {
        onPlan: (e) => [
          `sweep ${file}${opts.shard ? ` shard ${opts.shard.index}/${opts.shard.count}` : ''}: ${e.total} runs${e.skipped ? `, ${e.skipped} already finished (skipped)` : ''}, ${e.toRun} to run, ${e.jobs} at a time → ${dir}`,
          ...(spec.scheduler ? [describeScheduler(spec.scheduler, plan)] : []),
          ...(e.replanned.length
            ? [`re-planned: ${e.replanned.join('; ')} (folders of changed and dropped runs, if any, set aside in ${join(dir, 'runs', '.replaced')})`]
            : []),
        ],
      });

      const stop = listenForStop((level, signal) =>
        process.stderr.write(
          level === 'after-epoch'
            ? '\nstopping: runs in flight finish their epoch, nothing new starts (Ctrl-C again to stop now)\n'
            : `\nstopping now (${signal})\n`,
        ),
      );
      // report.html (and the other report files) follow the sweep: rewritten as runs finish, at most every 5 s
      const liveReport = opts.shard ? null : throttled(() => report(dir), 5000);
      let result: Awaited<ReturnType<typeof runSweep>>;
      try {
        result = await runSweep(runs, {
          dir,
          jobs,
          // a shard shares the folder with the other shards: it skips its own finished runs
          resume: Boolean(opts.resume) || opts.shard !== undefined,
          replan: Boolean(opts.replan),
          force: Boolean(opts.force),
          plan,
          scheduler: spec.scheduler,
          ...(opts.shard ? { shard: opts.shard } : {}),
          stopRequested: stop.level,
          onEvent: (e) => {
            if (e.type === 'run-end') liveReport?.call();
            progress.event(e);
          },
        });
      } finally {
        progress.close();
        await liveReport?.stop();
        stop.dispose();
      }
      // each run trained here, by what its folder says now (a run of several segments counts once; SHA marks the stopped)
      const finalStatus = new Map(result.outcomes.map((o) => [o.run.id, readSummary(runDir(dir, o.run.id))?.status ?? o.status]));
      const by = (s: string) => [...finalStatus.values()].filter((x) => x === s).length;
      // a shard's report would show the other shards half done: report once they all finish
      const reportLine = opts.shard ? `when every shard has finished: highway report ${dir}` : `report: ${await report(dir)}`;
      process.stdout.write(
        `sweep ${result.interrupted ? 'interrupted' : result.diskFull ? 'stopped (the disk is full)' : 'done'}: ${by('completed')} completed, ${spec.scheduler ? `${by('stopped')} stopped early, ` : ''}${by('diverged')} diverged, ${by('failed')} failed` +
          `${result.skipped.length ? `, ${result.skipped.length} skipped (already finished)` : ''}` +
          `${result.busy.length ? `, ${result.busy.length} left to the runner that holds them` : ''}\n` +
          `${reportLine}\n`,
      );
      for (const o of result.outcomes.filter((x) => x.status === 'failed')) process.stderr.write(`failed: ${o.run.id}: ${o.error}\n`);
      if (result.diskFull) process.stderr.write(`the disk filled up (${result.diskFull}); free space, then continue with --resume\n`);
      if (result.interrupted) process.exitCode = exitCodeFor(stop.signal());
      else if (by('failed') > 0 || result.diskFull) process.exitCode = 4;
    });
}

/** The report files; loaded here, not at start: the chart renderer is a large import the workers' start need not wait for. */
async function report(dir: string): Promise<string> {
  const { writeReportOrSay } = await import('../report/index.js');
  return writeReportOrSay(dir);
}

function emitScript(opts: SweepOpts, file: string, plan: PlannedRun[], dir: string, name: string, spec: SweepSpec): void {
  if (opts.emit !== 'slurm') throw new UserError(`--emit: expected "slurm", got "${clip(String(opts.emit))}"`);
  if (opts.shard || opts.queue) throw new UserError('--emit writes a script for the whole sweep: drop --shard / --queue');
  const { path, tasks } = emitSlurm({
    configFile: file,
    plan,
    dir,
    name,
    scheduler: spec.scheduler,
    sets: opts.set,
    ...(opts.tasks ? { tasks: opts.tasks } : {}),
  });
  process.stdout.write(`wrote ${path}: a job array of ${tasks} tasks for ${plan.length} runs\nsubmit: sbatch ${path}\nthen:   highway report ${dir}\n`);
}
