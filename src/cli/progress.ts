import type { EpochRow, Progress } from '../train/index.js';

const fmtTime = (s: number) => {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
};
const fmtLoss = (v: number) => (Number.isFinite(v) ? (v < 1e-3 ? v.toExponential(3) : v.toFixed(4)) : String(v));

/**
 * Progress for `highway train`: on a terminal, one bar line per epoch that is redrawn in place
 * (minibatch loss, ETA for the whole run); otherwise one plain line per epoch. Each epoch's line
 * ends with the ETA of the rest of the run.
 */
export class ProgressPrinter {
  private readonly tty: boolean;
  private epochStart = 0;
  private lastEpochSeconds = 0;
  private epochs = 0;
  /** The first row this process printed (a resumed run starts past epoch 0): the ETA's baseline. */
  private firstRow: { epoch: number; seconds: number } | null = null;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {
    this.tty = Boolean(out.isTTY) && !quiet;
  }

  progress(p: Progress): void {
    if (!this.tty) return;
    this.epochs = p.epochs;
    const frac = p.step / p.steps;
    const width = 24;
    const filled = Math.round(frac * width);
    const inEpoch = p.seconds - this.epochStart;
    const perEpoch = frac > 0 ? inEpoch / frac : this.lastEpochSeconds;
    const eta = perEpoch * (1 - frac) + perEpoch * (p.epochs - p.epoch);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.out.write(`\r\x1b[2Kepoch ${p.epoch}/${p.epochs} ${bar} ${p.step}/${p.steps}  loss ${fmtLoss(p.loss)}  ETA ${fmtTime(eta)}`);
  }

  row(r: EpochRow): void {
    this.lastEpochSeconds = r.seconds - this.epochStart;
    this.epochStart = r.seconds;
    this.firstRow ??= { epoch: r.epoch, seconds: r.seconds };
    if (this.quiet) return;
    // the rest of the run at the mean pace of the epochs this process has trained
    const done = r.epoch - this.firstRow.epoch;
    const eta = done > 0 && this.epochs > r.epoch ? `  ETA ${fmtTime(((this.epochs - r.epoch) * (r.seconds - this.firstRow.seconds)) / done)}` : '';
    const head = r.epoch === 0 ? 'epoch 0 (initial)' : `epoch ${r.epoch}${this.epochs ? `/${this.epochs}` : ''}`;
    const line =
      `${head}  train_loss ${fmtLoss(r.trainLoss)}  train_acc ${r.trainAcc.toFixed(4)}` +
      `  test_loss ${fmtLoss(r.testLoss)}  test_acc ${r.testAcc.toFixed(4)}` +
      `${r.devAcc === null ? '' : `  dev_acc ${r.devAcc.toFixed(4)}`}` +
      `${r.lr === null ? '' : `  lr ${Number(r.lr.toPrecision(4))}`}  ${r.seconds.toFixed(1)}s${eta}`;
    this.out.write(`${this.tty ? '\r\x1b[2K' : ''}${line}\n`);
  }

  setEpochs(n: number): void {
    this.epochs = n;
  }
}
