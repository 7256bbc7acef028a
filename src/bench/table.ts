/** `highway bench`'s Markdown table: the header for the options, and one line per net. */
import type { BenchRow } from './run-bench.js';

export function header(o: { generic: boolean; vsPytorch: boolean; torchThreads: number; torchFused?: boolean }): string[] {
  const head = ['net', 'params', 'batch', 'ms/step', 'kernels/step', 'GFLOP/step', 'floor', 'samples/s', 'eval/s', 'tensors', 'leak', 'peak RSS'];
  if (o.generic) head.push('generic ms/step', 'generic kernels', 'speed-up');
  if (o.vsPytorch) head.push(`torch${o.torchFused ? ' fused' : ''} ms/step (${o.torchThreads} thr)`, 'ours/torch');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
}

const kernels = (k: { engine: number; direct: number }) => (k.engine + k.direct === 0 ? 'none (engine-free)' : `${k.engine + k.direct} (${k.direct} direct)`);

export function line(row: BenchRow): string {
  const cells = [
    row.net,
    String(row.params),
    String(row.batchSize),
    row.msPerStep.toFixed(1),
    kernels(row.kernels),
    (row.flopsPerStep / 1e9).toFixed(3),
    `${(100 * row.floorShare).toFixed(0)}% of ${row.gemmGflops.toFixed(1)} GFLOP/s`,
    row.samplesPerSecond.toFixed(0),
    row.evalSamplesPerSecond.toFixed(0),
    String(row.tensorsAlive),
    String(row.leaked),
    `${row.peakRssMB.toFixed(0)} MB`,
  ];
  if (row.generic) cells.push(row.generic.msPerStep.toFixed(1), kernels(row.generic.kernels), `${row.generic.speedup.toFixed(2)}×`);
  if (row.torch) cells.push(row.torch.msPerStep.toFixed(1), `${row.torch.ratio.toFixed(2)}×`);
  return `| ${cells.join(' | ')} |`;
}
