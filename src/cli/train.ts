import { join } from 'node:path';
import { Command } from 'commander';
import { runFile } from '../runs/folder.js';
import { nameFolder } from '../util/names.js';
import { exitCodeFor, listenForStop } from '../util/stop-signals.js';
import type { ResolvedConfig } from '../config/index.js';
import { kindOf, usesField } from '../base/kinds.js';
import { addConfigOptions, folderArg, resolveFromOptions } from './options.js';
import { ProgressPrinter } from './progress.js';
import { formatDuration, formatNumber } from '../util/format.js';
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { flatten, parseJson } from '../config/index.js';
import { readJsonOrNull } from '../util/json.js';
import { counted } from '../util/strings.js';
import { hasGates } from '../base/kinds.js';
import { shellQuote } from '../sweep/slurm.js';

/** The resolved config a run folder was trained with (its config.json without the `run` record). */
function savedConfig(out: string): Map<string, unknown> {
  const file = runFile(out, 'config');
  if (!existsSync(file)) throw new UserError(`--resume: ${out} is not a run folder (no ${file})`);
  const flat = flatten(parseJson(readFileSync(file, 'utf8'), file), file, ['run']);
  flat.delete('run');
  return flat;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function defaultRunDir(cfg: ResolvedConfig): string {
  const prefix = cfg.name === 'highway' ? '' : `${nameFolder(cfg.name)}-`;
  return join('results', `${prefix}${cfg.model.type}-d${cfg.model.depth}-${stamp()}`);
}

function describeModel(cfg: ResolvedConfig, params: number): string {
  const m = cfg.model;
  const kind = kindOf(m.type);
  const n = params.toLocaleString('en-US');
  const gates = kind.block === 'highway' ? ` (gate bias ${m.gateBias}${usesField(m.type, 'carry') ? `, ${m.carry} carry` : ''})` : '';
  if (kind.family === 'bilstm') {
    const layers = kind.block === 'plain' ? 'BiLSTM layers' : `${kind.block} BiLSTM layers${gates}`;
    return `${m.type}-d${m.depth}: embedding ${m.embedDim} → ${m.depth} ${layers} (${m.width} units per direction) → mean over tokens, ${n} parameters`;
  }
  const conv = kind.family === 'conv' ? ` conv (stages ${m.convBlocks!.join('/')}, max-pool 3/2 between)` : '';
  const front = kind.family === 'pooled' ? `embedding ${m.embedDim} → mean over tokens → ` : '';
  const layers = kind.block === 'plain' ? `${m.depth} plain${conv}` : `1 plain + ${m.depth - 1} ${kind.block}${conv}${gates}`;
  const width = kind.family === 'conv' ? `${m.width} maps` : `width ${m.widths ? m.widths.join('/') : m.width}`;
  return `${m.type}-d${m.depth}: ${front}${layers}, ${width}, ${m.activation}, ${n} parameters`;
}

const EXAMPLES = `
Examples:
  $ highway train --depth 50                      # highway net, 50 layers, on MNIST (60,000 digits)
  $ highway train --model plain --depth 50        # the plain net that stops training
  $ highway train --depth 20 --gate-bias -3 --activation tanh --epochs 40
  $ highway train --config configs/default.json --set train.lr=0.02 --out results/mine
  $ highway train --dataset fashion-mnist --depth 30   # after: apt-get install dataset-fashion-mnist
  $ highway train --dataset idx:/data/mnist --depth 100

Outputs (in --out, default results/<type>-d<depth>-<time>/):
  config.json   resolved config + backend, versions, seed, data description
  metrics.csv   epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds,eval_seconds (one row per epoch)
  summary.json  status (completed|diverged|stopped|interrupted|failed), data used, params, final and best metrics, timing
  metrics.jsonl the rows of metrics.csv as JSON lines
  model/        the trained network (model.json + weights.bin)
  checkpoints/  the last epoch's weights, optimiser and RNG state (train.checkpoint), for --resume

After a kill, a crash or Ctrl-C:
  $ highway train --resume --out results/mine     # continues from the last finished epoch
  $ highway train --resume --out results/mine --epochs 100   # a finished run, trained on to epoch 100`;

export function trainCommand(): Command {
  const cmd = new Command('train').description('train one plain, highway or residual network and write its per-epoch loss curve to CSV');
  addConfigOptions(cmd);
  cmd
    .option('-o, --out <dir>', 'run folder (default: results/<type>-d<depth>-<timestamp>)', folderArg('--out'))
    .option('-f, --force', 'replace the run folder if it exists')
    .option(
      '--resume',
      "continue the run in --out from its last checkpoint (after a kill, Ctrl-C or a crash), with the run's own config (--epochs may lengthen it)",
    )
    .option('-q, --quiet', 'print only the final summary')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: Record<string, unknown>) => {
      // the heavy modules (TF.js, the chart renderer) load only for the command that runs
      const [{ initBackend, describeBackend }, { executeRun }, { checkResumable, lengthRefusal }, { analyzeIfAsked }, { printAnalysis }] = await Promise.all([
        import('../backend/index.js'),
        import('../runs/run.js'),
        import('../runs/resume-checks.js'),
        import('../analyze/run.js'),
        import('./analyze.js'),
      ]);
      if (opts.resume && opts.force) throw new UserError('--resume continues the run in --out; --force would delete it: give one of the two');
      if (opts.resume && typeof opts.out !== 'string') throw new UserError('--resume needs --out <run folder>');
      // resuming: the run's own config.json is the base; flags may only repeat it (checked by executeRun)
      const base = opts.resume ? savedConfig(opts.out as string) : new Map<string, unknown>();
      const { cfg, file } = resolveFromOptions(opts, ['run', 'sweep'], base);
      // the opposite mistake (`highway sweep` on a config with no sweep) is refused there too
      if (file.has('sweep'))
        throw new UserError(
          `${opts.config}: has a "sweep" section, which highway train would ignore: run it with \`highway sweep ${opts.config}\`, or remove the section to train its base config once`,
        );
      // --analyze asked of a net without gates (a config's train.analyze, as a sweep's runs carry it, is only skipped for them)
      if (opts.analyze === true && !opts.resume && !hasGates(cfg.model.type))
        throw new UserError(`--analyze: a ${cfg.model.type} net has no transform gates to analyze (highway types only)`);
      const quiet = Boolean(opts.quiet);
      const log = (s: string) => {
        if (!quiet) process.stderr.write(`${s}\n`);
      };
      let longer = false;
      if (opts.resume) {
        const out = opts.out as string;
        const { run, epochs } = checkResumable(out, cfg, true);
        longer = cfg.train.epochs !== epochs;
        const done = readJsonOrNull<{ status?: string }>(runFile(out, 'summary'))?.status;
        const refusal = (n: number) => lengthRefusal(out, run, done, cfg.train.checkpoint, n);
        if (longer) {
          const why = refusal(cfg.train.epochs);
          if (why) throw new UserError(`train.epochs ${cfg.train.epochs} (--epochs): ${why}`);
        } else if (done === 'completed' || done === 'diverged' || done === 'stopped') {
          const hint = done === 'completed' && !refusal(epochs + 1) ? ` (to train it longer: --epochs N, N > ${epochs})` : '';
          process.stdout.write(`${out}: the run has already ended (${done}); nothing to continue${hint}\n`);
          return;
        }
      }
      const backend = await initBackend(cfg.backend);
      // fault injection for the exit-code tests (docs/guarantees.md): a bug once the backend is loaded
      if (process.env.HIGHWAY_INJECT_BUG === 'sync') throw new Error('injected bug (HIGHWAY_INJECT_BUG=sync)');
      if (process.env.HIGHWAY_INJECT_BUG === 'async') setTimeout(() => Promise.reject(new Error('injected bug (HIGHWAY_INJECT_BUG=async)')), 0);
      const out = (opts.out as string | undefined) ?? defaultRunDir(cfg);
      const printer = new ProgressPrinter(process.stderr, quiet);
      printer.setEpochs(cfg.train.epochs);

      const stop = listenForStop((level, signal) =>
        process.stderr.write(level === 'after-epoch' ? '\nstopping after this epoch (Ctrl-C again to stop now)\n' : `\nstopping now (${signal})\n`),
      );
      try {
        const summary = await executeRun(cfg, {
          out,
          force: Boolean(opts.force),
          resume: Boolean(opts.resume),
          epochsMayChange: longer,
          discardOnUserError: true,
          backend,
          onStart: ({ data, params, resumedFrom }) => {
            if (opts.resume)
              log(
                (resumedFrom === null
                  ? `resume: ${out} has no checkpoint yet; training from the start`
                  : `resume: continuing ${out} after epoch ${resumedFrom}`) + (longer ? `, to epoch ${cfg.train.epochs}` : ''),
              );
            log(describeBackend(backend));
            log(`data: ${data.description}`);
            log(`model: ${describeModel(cfg, params)}`);
            const t = cfg.train;
            log(
              `train: ${counted(t.epochs, 'epoch')}, batch ${t.batchSize}, ${t.optimizer} lr ${t.lr} momentum ${t.momentum} decay ${t.decay}, seed ${t.seed}`,
            );
            log(`run folder: ${out}`);
          },
          hooks: {
            onProgress: (p) => printer.progress(p),
            onRow: (r) => printer.row(r),
            stopRequested: stop.level,
          },
        });
        const f = summary.final;
        const loss = f ? f.trainLoss : Number.NaN;
        process.stdout.write(
          `${summary.status}: ${counted(summary.epochs, 'epoch')}, final train_loss ${formatNumber(loss)}, test_acc ${formatNumber(f?.testAcc)}, ` +
            `${formatNumber(summary.stepsPerSecond)} steps/s, ${formatDuration(summary.wallSeconds)}\n` +
            (summary.status === 'stopped' && summary.stopped ? `stopped: ${summary.stopped.reason}\n` : '') +
            (summary.best?.devAccEpoch !== undefined
              ? `selected on dev: epoch ${summary.best.devAccEpoch}, dev_acc ${summary.best.devAcc!.toFixed(4)}, test_acc ${summary.best.testAccAtBestDev!.toFixed(4)}\n`
              : '') +
            `loss curve: ${runFile(out, 'metrics')}\n`,
        );
        const analyzed = await analyzeIfAsked(cfg, out);
        if (analyzed) printAnalysis(analyzed.analysis, analyzed.files, (s) => process.stdout.write(s));
        if (summary.status === 'diverged') process.exitCode = 3;
        if (summary.status === 'interrupted') {
          if (cfg.train.checkpoint !== 'none') process.stdout.write(`continue it: highway train --resume --out ${shellQuote(out)}\n`);
          process.exitCode = exitCodeFor(stop.signal());
        }
      } finally {
        stop.dispose();
      }
    });
  return cmd;
}
