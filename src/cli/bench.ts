import { availableParallelism, cpus } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, MODEL_TYPES, type BackendName, type Carry, type ModelType } from '../config/schema.js';
import { usesField } from '../base/kinds.js';
import { defaultsByFamily } from '../bench/nets.js';
import { positiveInt } from './options.js';

type BenchModel = { model: ModelType; carry?: Carry };

const intList = (v: string) => {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 1 || x > 1000)) throw new InvalidArgumentError(`expected comma-separated depths from 1 to 1000, got "${v}"`);
  return xs;
};
/** A model type, or a highway type with `:independent` (an independent carry gate). */
const modelList = (v: string): BenchModel[] =>
  v.split(',').map((s) => {
    const [type, carry, ...rest] = s.trim().split(':');
    if (!(MODEL_TYPES as readonly string[]).includes(type!)) throw new InvalidArgumentError(`expected some of ${MODEL_TYPES.join(', ')}, got "${type}"`);
    if (carry === undefined) return { model: type as ModelType };
    if (carry !== 'independent' || rest.length > 0 || !usesField(type!, 'carry'))
      throw new InvalidArgumentError(
        `"${s.trim()}": only highway types with a carry gate take ":independent" (${MODEL_TYPES.filter((t) => usesField(t, 'carry')).join(', ')})`,
      );
    return { model: type as ModelType, carry: 'independent' };
  });

const DEFAULT_MODELS = 'plain,highway';

const EXAMPLES = `
Examples:
  $ highway bench                                   # plain and highway at depths 10, 20, 50, 100
  $ highway bench --depths 50,100 --models highway --vs-pytorch
  $ highway bench --depths 50,100 --models highway --vs-pytorch --torch-fused --rounds 6 --steps 60
  $ highway bench --models highway-conv --vs-pytorch --torch-threads 1   # the authors' conv net
  $ highway bench --models highway-bilstm,highway-pooled --depths 1,5
  $ highway bench --models highway,highway:independent --depths 50
  $ highway bench --json > bench.jsonl              # one JSON object per net

Nets: dense types on random MNIST-shaped vectors (SGD with momentum); -conv types are the
authors' MNIST conv net (width 16, stages 2,3,3, input dropout 0.2) on 28×28×1 images with their
optimiser (Nesterov, weight decay 0.001), at their one depth; -pooled and -bilstm types on
SST-5-shaped sentences (its vocabulary and sentence lengths, each batch cut to its longest
sentence; embeddings 64, Adam, clipping 3). Batch sizes and depths by family: see the options.
":independent" after a highway type gives it an independent carry gate.

Columns: ms/step is the median time of one training step (forward, backward, update) after
warm-up; kernels/step the kernels one step runs (through the engine, as tf.profile counts them,
plus those the layers call directly; none for plain and highway nets on wasm, whose step runs
without the engine); GFLOP/step the step's matmul and convolution arithmetic
(by formula) and floor the share of the arithmetic floor reached: that work at the rate of a
large plain matmul measured on this backend in the same rounds, over ms/step (100% = as fast as
the arithmetic allows); eval/s is full-set evaluation throughput (batches of 2000); --json adds
both as CPU time (cpuMsPerStep, evalCpuSamplesPerSecond), which other tenants of a shared machine
barely move; tensors is
tf.memory().numTensors after the run, leak the growth across the timed steps (must be 0); peak
RSS is the process's so far. With --vs-pytorch the PyTorch peer (bench/pytorch_reference.py)
builds the same nets (the parameter counts are checked) and runs interleaved round by round;
with --generic the same step on plain TF.js ops (fast paths off) does too.`;

export function benchCommand(): Command {
  return new Command('bench')
    .description('time training steps and evaluation per network (optionally against PyTorch on this machine)')
    .option('--depths <list>', `depths to time (conv types have their one depth) (default: ${defaultsByFamily((s) => s.depths)})`, intList)
    .addOption(
      new Option('--models <list>', `model types to time, comma-separated: ${MODEL_TYPES.join(',')}; a highway type with :independent has an independent carry`)
        .argParser(modelList)
        .default(modelList(DEFAULT_MODELS), DEFAULT_MODELS),
    )
    .option('--batch-size <n>', `minibatch size (default: ${defaultsByFamily((s) => s.batchSize)})`, positiveInt('--batch-size', 1_000_000))
    .option('--steps <n>', 'timed steps per net (split over the rounds)', positiveInt('--steps', 1_000_000), 30)
    .option('--warmup <n>', 'untimed steps first', positiveInt('--warmup', 1_000_000), 5)
    .option('--rounds <n>', 'alternate ours / PyTorch this many times per net (at most --steps)', positiveInt('--rounds', 10_000), 3)
    .option('--vs-pytorch', 'also time bench/pytorch_reference.py and print ours / PyTorch')
    .addOption(
      new Option('--torch-threads <n>', 'PyTorch intra-op threads')
        .argParser(positiveInt('--torch-threads', 1024))
        .default(availableParallelism(), 'the CPU count'),
    )
    .option('--torch-fused', "the stronger PyTorch peer: each highway layer's H and T as one Linear(w, 2w), foreach SGD")
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .option('--generic', 'also time the generic path (plain TF.js ops, fast paths off) in the same rounds')
    .option('--json', 'one JSON object per net instead of a table')
    .addHelpText('after', EXAMPLES)
    .action(
      async (o: {
        depths?: number[];
        models: BenchModel[];
        batchSize?: number;
        steps: number;
        warmup: number;
        rounds: number;
        vsPytorch?: boolean;
        torchThreads: number;
        torchFused?: boolean;
        backend: BackendName;
        json?: boolean;
        generic?: boolean;
      }) => {
        const [{ initBackend, describeBackend }, { benchNet }, { pytorchUnavailable }, { depthsFor }, table] = await Promise.all([
          import('../backend/index.js'),
          import('../bench/run-bench.js'),
          import('../bench/pytorch.js'),
          import('../bench/nets.js'),
          import('../bench/table.js'),
        ]);
        const backend = await initBackend(o.backend);
        const { steps } = o;
        const opts = {
          ...(o.batchSize === undefined ? {} : { batch: o.batchSize }),
          steps,
          warmup: o.warmup,
          rounds: Math.min(o.rounds, steps),
          vsPytorch: Boolean(o.vsPytorch),
          torchThreads: o.torchThreads,
          torchFused: Boolean(o.torchFused),
          generic: Boolean(o.generic),
        };
        const why = opts.vsPytorch ? pytorchUnavailable() : null;
        if (why) {
          process.stderr.write(`--vs-pytorch: ${why}; timing highway alone\n`);
          opts.vsPytorch = false;
        }
        const out = (s: string) => process.stdout.write(`${s}\n`);
        if (!o.json) {
          out(
            `${describeBackend(backend)} · ${steps} timed steps after ${opts.warmup} warm-up · node ${process.version} · ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
          );
          for (const line of table.header(opts)) out(line);
        }
        for (const { model, carry } of o.models) {
          for (const depth of depthsFor(model, o.depths)) {
            const row = await benchNet({ model, depth, ...(carry ? { carry } : {}) }, opts);
            out(o.json ? JSON.stringify({ ...row, backend: backend.name }) : table.line(row));
          }
        }
      },
    );
}
