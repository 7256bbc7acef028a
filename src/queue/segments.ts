/**
 * What a queue job's run does next, and what becomes ready after it: the same work source as
 * the local sweep (sweep/work.ts), read from the sweep folder, so a queue of workers on many
 * machines trains exactly the segments a local sweep would, in any order.
 */
import type { Queue } from 'bullmq';
import type { PlannedRun } from '../sweep/expand.js';
import { readPlannedRuns } from '../sweep/plan-file.js';
import { runDir } from '../sweep/run-sweep.js';
import type { SweepSpec } from '../sweep/spec.js';
import { readyWork, type Segment } from '../sweep/work.js';
import { enqueueSegments, type QueueJobData } from './sweep-queue.js';

/** The segment the job's run trains now, or nothing: finished, or waiting at a rung for other runs. */
export function nextSegment(sweepDir: string, run: PlannedRun, scheduler: SweepSpec['scheduler']): Segment | 'finished' | 'waiting' {
  const plan = scheduler && 'sha' in scheduler ? readPlannedRuns(sweepDir).runs : [run];
  // another run's failed folder means its attempts are spent; this job's own run is being tried now
  const work = readyWork({ sweepDir, plan, scheduler, runDir: (id) => runDir(sweepDir, id), failedIsFinal: (id) => id !== run.id });
  const seg = work.ready.find((s) => s.run.id === run.id);
  if (seg) return seg;
  return work.waiting.some((r) => r.id === run.id) ? 'waiting' : 'finished';
}

/**
 * After a segment (successive halving): decide what can be decided, and queue the segments that
 * became ready — before the finished job completes, so the queue is never empty while work can
 * still appear.
 */
export async function queueSuccessors(producer: Queue<QueueJobData>, sweepDir: string, scheduler: SweepSpec['scheduler']): Promise<void> {
  if (!(scheduler && 'sha' in scheduler)) return;
  const plan = readPlannedRuns(sweepDir).runs;
  const work = readyWork({ sweepDir, plan, scheduler, runDir: (id) => runDir(sweepDir, id), failedIsFinal: () => true });
  await enqueueSegments(producer, work.ready, sweepDir, scheduler);
}
