/**
 * `highway sweep --queue`: enqueue the sweep's runs for `highway worker`s, or with --status say
 * how far it is, or with --wait follow it to the end and write the report.
 */
import { resolve } from 'node:path';
import type { PlannedRun } from '../sweep/expand.js';
import type { SweepSpec } from '../sweep/spec.js';
import { writeSweepPlan } from '../sweep/plan-file.js';
import { checkPlanBeforeWriting } from '../sweep/replan.js';
import { makeFolder } from '../runs/folder.js';
import { throttled } from '../util/throttle.js';
import { printable } from '../util/escape.js';
import { DEFAULT_QUEUE } from '../queue/connection.js';

/** What queue mode reads of `highway sweep`'s flags. */
export interface QueueOpts {
  queue: string;
  queueName: string;
  status?: boolean;
  wait?: boolean;
  quiet?: boolean;
}

/** The report files; loaded when asked for: the chart renderer is a large import. */
async function report(dir: string): Promise<string> {
  const { writeReportOrSay } = await import('../report/index.js');
  return writeReportOrSay(dir);
}

const stamp = () => new Date().toISOString().slice(11, 19);

export async function queueSweep(opts: QueueOpts, file: string, plan: PlannedRun[], runs: PlannedRun[], dir: string, spec: SweepSpec): Promise<void> {
  const [{ openQueue, enqueueSweep, sweepProgress, formatProgress, finishedCounts }, { redactUrl, describeRedisError }, { waitForSweep }] = await Promise.all([
    import('../queue/sweep-queue.js'),
    import('../queue/connection.js'),
    import('../queue/wait.js'),
  ]);
  const shown = redactUrl(opts.queue);
  const queue = await openQueue(opts.queue, opts.queueName);
  try {
    if (opts.status) {
      const p = await sweepProgress(queue, runs, dir, spec.scheduler, plan);
      process.stdout.write(`queue "${opts.queueName}" at ${shown}, sweep ${resolve(dir)}: ${formatProgress(p)}\n`);
      for (const f of p.failedRuns) process.stdout.write(`failed: ${f.id}: ${printable(f.reason)}\n`);
      if (p.notQueued)
        process.stdout.write(
          `${p.notQueued} runs are neither finished nor queued (did Redis lose its data?): enqueue again to run them${p.runningNotQueued.length ? '; a copy of a run still running waits for it to end' : ''}\n`,
        );
      return;
    }
    checkPlanBeforeWriting(dir, plan, spec.scheduler, '--queue');
    makeFolder(dir);
    writeSweepPlan(dir, plan, spec.scheduler);
    const r = await enqueueSweep(queue, plan, dir, spec.scheduler, runs);
    const qn = opts.queueName === DEFAULT_QUEUE ? '' : ` --queue-name ${opts.queueName}`;
    process.stdout.write(
      `queued ${r.added.length + r.requeued.length} runs of ${file} on "${opts.queueName}" at ${shown}` +
        `${r.requeued.length ? ` (${r.requeued.length} of them again: the queue had them as done or failed, their folders are not finished)` : ''}` +
        `${r.pending.length ? `, ${r.pending.length} already queued` : ''}${r.finished.length ? `, ${r.finished.length} already finished` : ''} → ${resolve(dir)}\n` +
        (opts.wait ? '' : `workers: highway worker --queue ${shown}${qn}\nprogress: highway sweep ${file} --queue ${shown}${qn} --out ${dir} --status\n`),
    );
    if (!opts.wait) return;
    // as for local sweeps: the report follows the runs the workers finish, at most every 5 s
    const liveReport = throttled(() => report(dir), 5000);
    let last = '';
    let finished = -1;
    const p = await waitForSweep(queue, {
      plan,
      runs,
      dir,
      scheduler: spec.scheduler,
      onOutage: (e) =>
        process.stderr.write(`${stamp()}  Redis at ${shown}: ${describeRedisError(e, opts.queue.startsWith('rediss:'))}; waiting for it (reconnecting)\n`),
      onBack: () => process.stderr.write(`${stamp()}  Redis at ${shown} answers again\n`),
      onProgress: (q) => {
        const line = formatProgress(q);
        if (line !== last && !opts.quiet) process.stderr.write(`${stamp()}  ${line}\n`);
        last = line;
        const ended = q.completed + q.stopped + q.diverged + q.failed;
        if (finished >= 0 && ended > finished) liveReport.call();
        finished = ended;
      },
    });
    await liveReport.stop();
    process.stdout.write(
      `sweep done: ${finishedCounts(p, { scheduler: Boolean(spec.scheduler) })}, ${p.failed} failed${p.notQueued ? `, ${p.notQueued} not queued` : ''}\nreport: ${await report(dir)}\n`,
    );
    for (const f of p.failedRuns) process.stderr.write(`failed: ${f.id}: ${printable(f.reason)}\n`);
    if (p.notQueued) process.stderr.write(`${p.notQueued} runs are neither finished nor queued (did Redis lose its data?): enqueue again to run them\n`);
    if (p.failed + p.notQueued > 0) process.exitCode = 4;
  } finally {
    await queue.close();
  }
}
