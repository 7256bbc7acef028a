/**
 * `highway sweep --queue --wait`: follow a queued sweep until nothing of it is waiting, running
 * or paused at a rung, reading progress every 2 s. Redis going away (a restart, the network)
 * is reported once, and its return once, while the client reconnects; under successive halving,
 * segments that a worker which died between a rung's last record and its successors left
 * unqueued are queued again every 30 s.
 */
import type { Queue } from 'bullmq';
import type { PlannedRun } from '../sweep/expand.js';
import type { SweepSpec } from '../sweep/spec.js';
import { enqueueSweep, stillGoing, sweepProgress, type QueueJobData, type SweepProgress } from './sweep-queue.js';

export interface WaitOptions {
  plan: PlannedRun[];
  /** The runs to follow (a shard's, or all of them). */
  runs: PlannedRun[];
  dir: string;
  scheduler: SweepSpec['scheduler'];
  /** Each reading of the progress. */
  onProgress(p: SweepProgress): void;
  /** Redis stopped answering (once per outage), with the error. */
  onOutage(e: unknown): void;
  /** Redis answers again. */
  onBack(): void;
  pollMs?: number;
}

const REPAIR_EVERY = 15;

export async function waitForSweep(queue: Queue<QueueJobData>, o: WaitOptions): Promise<SweepProgress> {
  const sleep = () => new Promise((res) => setTimeout(res, o.pollMs ?? 2000));
  let outage = false;
  let polls = 0;
  const onError = (e: unknown) => {
    if (!outage) o.onOutage(e);
    outage = true;
  };
  queue.on('error', onError);
  try {
    for (;;) {
      let p: SweepProgress;
      try {
        if (o.scheduler && 'sha' in o.scheduler && ++polls % REPAIR_EVERY === 0) await enqueueSweep(queue, o.plan, o.dir, o.scheduler, o.runs);
        p = await sweepProgress(queue, o.runs, o.dir, o.scheduler, o.plan);
      } catch (e) {
        onError(e);
        await sleep();
        continue;
      }
      if (outage) o.onBack();
      outage = false;
      o.onProgress(p);
      if (stillGoing(p) === 0) return p;
      await sleep();
    }
  } finally {
    queue.off('error', onError);
  }
}
