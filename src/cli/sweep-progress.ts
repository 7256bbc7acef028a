/**
 * What `highway sweep` shows while it runs. On a terminal: a line per finished run, and below
 * them a block that is redrawn in place with every run in flight (id, epoch k/n, last loss) and
 * the ETA. In a pipe or a log file: one line per event (a run starts, finishes an epoch, ends),
 * nothing redrawn. With --quiet: one line per run that ends. The ETA comes from the epochs the
 * sweep has measured (sweep/eta.ts), cell by cell.
 */
import type { SweepEvent } from '../sweep/run-sweep.js';
import { formatDuration, formatNumber } from '../util/format.js';

export interface SweepHeader {
  onPlan(e: Extract<SweepEvent, { type: 'plan' }>): string[];
}

export class SweepProgress {
  private readonly live: boolean;
  private readonly inFlight = new Map<string, string>();
  private eta: number | null = null;
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
    private readonly header: SweepHeader,
  ) {
    this.live = Boolean(out.isTTY) && !quiet;
  }

  event(e: SweepEvent): void {
    switch (e.type) {
      case 'plan':
        for (const l of this.header.onPlan(e)) this.line(l);
        break;
      case 'run-busy':
        this.line(`${e.run.id}: skipped, being run by ${e.heldBy}`, true);
        break;
      case 'waiting':
        this.line(`waiting: ${e.runs} run(s) here wait at a rung for runs trained by other runners`, true);
        break;
      case 'disk-full':
        this.line(`the disk is full (${e.error}): no new run starts; the runs in flight finish`, true);
        break;
      case 'run-start': {
        const to = e.until ?? e.run.config.train.epochs;
        const span = e.from + 1 === to ? `epoch ${to}` : `epochs ${e.from + 1}–${to}`;
        this.inFlight.set(e.run.id, `${e.run.id}  starting (${span})`);
        if (!this.live && !this.quiet) this.line(`start ${e.run.id} (${span})`);
        this.redraw();
        break;
      }
      case 'run-row': {
        this.eta = e.etaSeconds;
        const status = `${e.run.id}  epoch ${e.row.epoch}/${e.run.config.train.epochs}  train_loss ${formatNumber(e.row.trainLoss)}`;
        this.inFlight.set(e.run.id, status);
        if (!this.live && !this.quiet) this.line(`${status}${this.etaText()}`);
        this.redraw();
        break;
      }
      case 'run-end': {
        this.eta = e.etaSeconds;
        this.inFlight.delete(e.outcome.run.id);
        const o = e.outcome;
        const f = o.summary?.final;
        const detail = o.status === 'failed' ? `error: ${o.error}` : f ? `train_loss ${formatNumber(f.trainLoss)}  test_acc ${formatNumber(f.testAcc)}` : '';
        const status = o.status === 'paused' ? `at rung epoch ${o.until}` : o.status;
        this.line(
          `[${e.done}/${e.toRun}] ${o.run.id}  ${status}  ${detail}  (${formatDuration(o.seconds)})${e.failed ? `  ${e.failed} failed` : ''}${this.etaText()}`,
          true,
        );
        break;
      }
    }
  }

  /** Clear the live block before the final summary. */
  close(): void {
    this.clear();
  }

  private etaText(): string {
    return this.eta !== null && this.eta > 0 ? `  ETA ${formatDuration(this.eta)}` : '';
  }

  /** A permanent line (`always`: printed under --quiet too only for run ends and warnings). */
  private line(text: string, always = false): void {
    if (this.quiet && !always) return;
    this.clear();
    this.out.write(`${text}\n`);
    this.redraw();
  }

  private clear(): void {
    if (!this.live || this.drawn === 0) return;
    this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.live) return;
    this.clear();
    const lines = [...this.inFlight.values()].map((s) => `  ${s}`);
    if (lines.length === 0) return;
    lines.push(`  ${this.inFlight.size} in flight${this.etaText()}`);
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
