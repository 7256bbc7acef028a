import { availableParallelism, cpus } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { BACKENDS, MODEL_TYPES, type BackendName, type ModelType } from '../config/schema.js';
import { kindOf } from '../model/kinds.js';
import { UserError } from '../errors.js';
import { positiveInt } from './options.js';
import type { NetSpec } from '../bench/measure.js';

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
  $ highway bench --json > bench.jsonl              # one JSON object per net

Columns: ms/step is the median time of one training step (forward, backward, SGD-momentum
update) after warm-up, on random MNIST-shaped batches; eval/s is full-set evaluation
throughput (batches of 2000); tensors is tf.memory().numTensors after the run, leak the growth
across the timed steps (must be 0); peak RSS is the process's so far. With --vs-pytorch the
PyTorch peer (bench/pytorch_reference.py) runs the same nets, interleaved round by round.`;

export function benchCommand(): Command {
  return new Command('bench')
    .description('time training steps and evaluation per network (optionally against PyTorch on this machine)')
    .option('--depths <list>', 'depths to time [default: 10,20,50,100]', intList)
    .option('--models <list>', 'dense kinds to time: plain,highway,residual [default: plain,highway]', modelList)
    .option('--batch-size <n>', 'minibatch size [default: 128]', positiveInt('--batch-size'))
    .option('--steps <n>', 'timed steps per net (split over the rounds) [default: 30]', positiveInt('--steps'))
    .option('--warmup <n>', 'untimed steps first [default: 5]', positiveInt('--warmup'))
    .option('--rounds <n>', 'alternate ours / PyTorch this many times per net [default: 3]', positiveInt('--rounds'))
    .option('--vs-pytorch', 'also time bench/pytorch_reference.py and print ours / PyTorch')
    .option('--torch-threads <n>', 'PyTorch intra-op threads [default: CPU count]', positiveInt('--torch-threads'))
    .option('--backend <name>', `TF.js backend (${BACKENDS.join('|')}) [default: "auto"]`)
    .option('--json', 'one JSON object per net instead of a table')
    .addHelpText('after', EXAMPLES)
    .action(async (o: { depths?: number[]; models?: ModelType[]; batchSize?: number; steps?: number; warmup?: number; rounds?: number; vsPytorch?: boolean; torchThreads?: number; backend?: string; json?: boolean }) => {
      const [{ initBackend, describeBackend }, { median, netName, prepareNet }, { pytorchUnavailable, timePytorch }] = await Promise.all([
        import('../backend/index.js'),
        import('../bench/measure.js'),
        import('../bench/pytorch.js'),
      ]);
      const backendName = (o.backend ?? 'auto') as BackendName;
      if (!(BACKENDS as readonly string[]).includes(backendName)) throw new UserError(`--backend: expected one of ${BACKENDS.join(', ')}, got "${o.backend}"`);
      const backend = await initBackend(backendName);
      const depths = o.depths ?? [10, 20, 50, 100];
      const models = o.models ?? ['plain', 'highway'];
      const batch = o.batchSize ?? 128;
      const steps = o.steps ?? 30;
      const warmup = o.warmup ?? 5;
      const rounds = Math.min(o.rounds ?? 3, steps);
      const threads = o.torchThreads ?? availableParallelism();
      let vsPytorch = Boolean(o.vsPytorch);
      const why = vsPytorch ? pytorchUnavailable() : null;
      if (why) {
        process.stderr.write(`--vs-pytorch: ${why}; timing highway alone\n`);
        vsPytorch = false;
      }
      const out = (s: string) => process.stdout.write(`${s}\n`);
      if (!o.json) {
        out(`${describeBackend(backend)} · batch ${batch} · ${steps} timed steps after ${warmup} warm-up · node ${process.version} · ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`);
        const head = ['net', 'params', 'ms/step', 'samples/s', 'eval/s', 'tensors', 'leak', 'peak RSS'];
        if (vsPytorch) head.push(`torch ms/step (${threads} thr)`, 'ours/torch');
        out(`| ${head.join(' | ')} |`);
        out(`|${head.map(() => ' --- ').join('|')}|`);
      }
      for (const model of models) {
        for (const depth of depths) {
          const n: NetSpec = { model, depth };
          const net = prepareNet(n, batch);
          const evalPerSec = net.evalSamplesPerSecond();
          const ours: number[] = [];
          const torch: number[] = [];
          let tensors = 0;
          let leaked = 0;
          let torchVersion = '';
          const per = Math.ceil(steps / rounds);
          for (let r = 0; r < rounds; r++) {
            const t = net.time(per, r === 0 ? warmup : 1);
            ours.push(...t.samples);
            tensors = t.tensorsAlive;
            leaked += t.leaked;
            if (vsPytorch) {
              const p = timePytorch(n, batch, per, r === 0 ? warmup : 1, threads);
              torch.push(p.msPerStep);
              torchVersion = p.torch;
            }
          }
          net.dispose();
          const ms = median(ours);
          const row = {
            net: netName(n),
            backend: backend.name,
            batchSize: batch,
            params: net.params,
            msPerStep: ms,
            samplesPerSecond: (batch * 1000) / ms,
            evalSamplesPerSecond: evalPerSec,
            tensorsAlive: tensors,
            leaked,
            peakRssMB: process.resourceUsage().maxRSS / 1024,
            ...(vsPytorch ? { torchMsPerStep: median(torch), torchThreads: threads, torch: torchVersion, ratio: ms / median(torch) } : {}),
          };
          if (o.json) out(JSON.stringify(row));
          else {
            const cells = [row.net, String(row.params), ms.toFixed(1), row.samplesPerSecond.toFixed(0), evalPerSec.toFixed(0), String(tensors), String(leaked), `${row.peakRssMB.toFixed(0)} MB`];
            if (vsPytorch) cells.push(median(torch).toFixed(1), `${(ms / median(torch)).toFixed(2)}×`);
            out(`| ${cells.join(' | ')} |`);
          }
        }
      }
    });
}
