import { availableParallelism, cpus } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { BACKENDS, MODEL_TYPES, type BackendName, type ModelType } from '../config/schema.js';
import { kindOf } from '../base/kinds.js';
import { UserError } from '../errors.js';
import { positiveInt } from './options.js';

const intList = (v: string) => {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 1 || x > 1000)) throw new InvalidArgumentError(`expected comma-separated depths from 1 to 1000, got "${v}"`);
  return xs;
};
const modelList = (v: string) => {
  const xs = v.split(',').map((s) => s.trim());
  const dense = MODEL_TYPES.filter((t) => kindOf(t).family === 'dense');
  for (const x of xs) if (!(dense as readonly string[]).includes(x)) throw new InvalidArgumentError(`expected some of ${dense.join(', ')}, got "${x}"`);
  return xs as ModelType[];
};

const EXAMPLES = `
Examples:
  $ highway bench                                   # plain and highway at depths 10, 20, 50, 100
  $ highway bench --depths 50,100 --models highway --vs-pytorch
  $ highway bench --depths 50,100 --models highway --vs-pytorch --torch-fused --rounds 6 --steps 60
  $ highway bench --json > bench.jsonl              # one JSON object per net

Columns: ms/step is the median time of one training step (forward, backward, SGD-momentum
update) after warm-up, on random MNIST-shaped batches; kernels/step the kernels one step runs
(through the engine, as tf.profile counts them, plus those the layers call directly; none for
plain and highway nets on wasm, whose step runs without the engine); eval/s is full-set evaluation
throughput (batches of 2000); --json adds both as CPU time (cpuMsPerStep, evalCpuSamplesPerSecond),
which other tenants of a shared machine barely move; tensors is tf.memory().numTensors after the run, leak the growth
across the timed steps (must be 0); peak RSS is the process's so far. With --vs-pytorch the
PyTorch peer (bench/pytorch_reference.py) runs the same nets, interleaved round by round; with
--generic the same step on plain TF.js ops (fast paths off) does too.`;

export function benchCommand(): Command {
  return new Command('bench')
    .description('time training steps and evaluation per network (optionally against PyTorch on this machine)')
    .option('--depths <list>', 'depths to time [default: 10,20,50,100]', intList)
    .option('--models <list>', 'dense kinds to time: plain,highway,residual [default: plain,highway]', modelList)
    .option('--batch-size <n>', 'minibatch size [default: 128]', positiveInt('--batch-size', 1_000_000))
    .option('--steps <n>', 'timed steps per net (split over the rounds) [default: 30]', positiveInt('--steps', 1_000_000))
    .option('--warmup <n>', 'untimed steps first [default: 5]', positiveInt('--warmup', 1_000_000))
    .option('--rounds <n>', 'alternate ours / PyTorch this many times per net [default: 3]', positiveInt('--rounds', 10_000))
    .option('--vs-pytorch', 'also time bench/pytorch_reference.py and print ours / PyTorch')
    .option('--torch-threads <n>', 'PyTorch intra-op threads [default: CPU count]', positiveInt('--torch-threads', 1024))
    .option('--torch-fused', "the stronger PyTorch peer: each highway layer's H and T as one Linear(w, 2w), foreach SGD")
    .option('--backend <name>', `TF.js backend (${BACKENDS.join('|')}) [default: "auto"]`)
    .option('--generic', 'also time the generic path (plain TF.js ops, fast paths off) in the same rounds')
    .option('--json', 'one JSON object per net instead of a table')
    .addHelpText('after', EXAMPLES)
    .action(
      async (o: {
        depths?: number[];
        models?: ModelType[];
        batchSize?: number;
        steps?: number;
        warmup?: number;
        rounds?: number;
        vsPytorch?: boolean;
        torchThreads?: number;
        torchFused?: boolean;
        backend?: string;
        json?: boolean;
        generic?: boolean;
      }) => {
        const [{ initBackend, describeBackend }, { benchNet }, { pytorchUnavailable }] = await Promise.all([
          import('../backend/index.js'),
          import('../bench/run-bench.js'),
          import('../bench/pytorch.js'),
        ]);
        const backendName = (o.backend ?? 'auto') as BackendName;
        if (!(BACKENDS as readonly string[]).includes(backendName))
          throw new UserError(`--backend: expected one of ${BACKENDS.join(', ')}, got "${o.backend}"`);
        const backend = await initBackend(backendName);
        const steps = o.steps ?? 30;
        const opts = {
          batch: o.batchSize ?? 128,
          steps,
          warmup: o.warmup ?? 5,
          rounds: Math.min(o.rounds ?? 3, steps),
          vsPytorch: Boolean(o.vsPytorch),
          torchThreads: o.torchThreads ?? availableParallelism(),
          torchFused: Boolean(o.torchFused),
          generic: Boolean(o.generic),
        };
        const why = opts.vsPytorch ? pytorchUnavailable() : null;
        if (why) {
          process.stderr.write(`--vs-pytorch: ${why}; timing highway alone\n`);
          opts.vsPytorch = false;
        }
        const out = (s: string) => process.stdout.write(`${s}\n`);
        const head = ['net', 'params', 'ms/step', 'kernels/step', 'samples/s', 'eval/s', 'tensors', 'leak', 'peak RSS'];
        if (opts.generic) head.push('generic ms/step', 'generic kernels', 'speed-up');
        if (opts.vsPytorch) head.push(`torch${opts.torchFused ? ' fused' : ''} ms/step (${opts.torchThreads} thr)`, 'ours/torch');
        if (!o.json) {
          out(
            `${describeBackend(backend)} · batch ${opts.batch} · ${steps} timed steps after ${opts.warmup} warm-up · node ${process.version} · ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
          );
          out(`| ${head.join(' | ')} |`);
          out(`|${head.map(() => ' --- ').join('|')}|`);
        }
        const kernels = (k: { engine: number; direct: number }) =>
          k.engine + k.direct === 0 ? 'none (engine-free)' : `${k.engine + k.direct} (${k.direct} direct)`;
        for (const model of o.models ?? ['plain', 'highway']) {
          for (const depth of o.depths ?? [10, 20, 50, 100]) {
            const row = await benchNet({ model, depth }, opts);
            if (o.json) {
              out(JSON.stringify({ ...row, backend: backend.name, batchSize: opts.batch }));
              continue;
            }
            const cells = [
              row.net,
              String(row.params),
              row.msPerStep.toFixed(1),
              kernels(row.kernels),
              row.samplesPerSecond.toFixed(0),
              row.evalSamplesPerSecond.toFixed(0),
              String(row.tensorsAlive),
              String(row.leaked),
              `${row.peakRssMB.toFixed(0)} MB`,
            ];
            if (row.generic) cells.push(row.generic.msPerStep.toFixed(1), kernels(row.generic.kernels), `${row.generic.speedup.toFixed(2)}×`);
            if (row.torch) cells.push(row.torch.msPerStep.toFixed(1), `${row.torch.ratio.toFixed(2)}×`);
            out(`| ${cells.join(' | ')} |`);
          }
        }
      },
    );
}
