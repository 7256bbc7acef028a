import { Command } from 'commander';
import { folderArg, jobsOption, positiveInt } from './options.js';
import { DEFAULT_QUEUE, checkQueueName, redactUrl } from '../queue/connection.js';
import { formatLoss } from '../report/claims.js';
import { printable } from '../util/escape.js';
import { exitCodeFor, listenForStop } from '../util/stop-signals.js';
import { clip } from '../util/strings.js';

const EXAMPLES = `
Examples:
  $ highway worker --queue redis://10.0.0.5:6379                 # take runs until stopped (Ctrl-C)
  $ highway worker --queue redis://10.0.0.5:6379 --jobs 4 --exit-when-empty
  $ highway worker --queue redis://10.0.0.5:6379/2 --out /mnt/shared/results   # folders mounted elsewhere here

Each job is one run of a sweep enqueued with \`highway sweep <config> --queue <url>\`; it is run
exactly as \`highway sweep\` runs it (own process, same files) into the sweep's folder, which
must be on a filesystem every worker machine sees (NFS or similar). --out: the parent of the
sweep folders as this machine sees them, if it differs from the enqueuing machine's path.

Faults: if a worker dies mid-run, its job goes back to the queue once its lock expires
(--lock-seconds) and another worker continues it from its last checkpoint; a job is tried twice, then its run
is recorded as failed. Finished runs are never rerun, and a run is never run by two runners at
once (a lease file beside it; a job whose run another runner holds waits). Ctrl-C once: runs in
flight finish their epoch and their jobs return to the queue; twice, or SIGTERM: they stop now and
return to the queue; three times: exit at once. Jobs are untrusted input: a job that names no run
of a sweep folder's sweep.json is refused and recorded in the queue, and the worker goes on.`;

export function workerCommand(): Command {
  return new Command('worker')
    .description('take sweep runs from a Redis queue (BullMQ) and run them, on as many machines as you like')
    .requiredOption('--queue <url>', 'Redis URL: redis://[user:password@]host:port[/db]')
    .option('--queue-name <name>', 'queue to take jobs from', checkQueueName, DEFAULT_QUEUE)
    .addOption(jobsOption())
    .option('-o, --out <dir>', "where the sweep folders are on this machine (default: the enqueuing machine's path)", folderArg('--out'))
    .option('--lock-seconds <s>', 'how long a silent worker keeps its job before another may take it', positiveInt('--lock-seconds', 86_400), 30)
    .option('--exit-when-empty', 'exit once nothing is waiting or running (batch systems, tests)')
    .option('-q, --quiet', 'print only errors')
    .addHelpText('after', EXAMPLES)
    .action(async (o: { queue: string; queueName: string; jobs: number; out?: string; lockSeconds: number; exitWhenEmpty?: boolean; quiet?: boolean }) => {
      const { runQueueWorker } = await import('../queue/worker.js');
      const log = (s: string) => {
        if (!o.quiet) process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${s}\n`);
      };
      const w = await runQueueWorker({
        url: o.queue,
        queueName: o.queueName,
        jobs: o.jobs,
        out: o.out,
        lockSeconds: o.lockSeconds,
        exitWhenEmpty: Boolean(o.exitWhenEmpty),
        onEvent: (e) => {
          if (e.type === 'start') log(`start ${e.id}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''} → ${e.out}`);
          if (e.type === 'skip') log(`skip ${e.id}: already finished in ${e.out}`);
          if (e.type === 'busy')
            log(
              e.own
                ? `wait ${e.id}: being run by this worker already (a copy queued again); looked at again as soon as that run ends`
                : `wait ${e.id}: being run by ${e.heldBy}; the job is looked at again later`,
            );
          if (e.type === 'requeued') log(`requeued ${e.id}: interrupted by this worker's stop, back in the queue`);
          if (e.type === 'rejected') process.stderr.write(`rejected job ${printable(clip(e.id))}: ${printable(e.reason)}\n`);
          if (e.type === 'lock-lost') {
            const job = `job ${printable(clip(e.jobId))}${e.runId ? ` (run ${printable(clip(e.runId))})` : ''}`;
            log(
              e.when === 'renewing'
                ? `lost the queue's lock on ${job}: this worker was stopped or cut off for longer than --lock-seconds, Redis lost the job (restarted without its data), or the job was taken over; the run's lease still lets only one runner write its folder`
                : `could not mark ${job} done in the queue (its lock was lost); its folder holds the result, and whoever takes the job again skips it`,
            );
          }
          if (e.type === 'connection') process.stderr.write(`queue connection: ${e.message} (retrying)\n`);
          if (e.type === 'end') {
            const f = e.summary?.final;
            const detail = e.error ? `error: ${e.error}` : f ? `train_loss ${formatLoss(f.trainLoss)}  test_acc ${f.testAcc.toFixed(4)}` : '';
            log(`${e.status} ${e.id}  ${detail}  (${e.seconds.toFixed(1)}s)`);
          }
        },
      });
      log(
        `worker ${process.pid}: queue "${o.queueName}" at ${redactUrl(o.queue)}, ${o.jobs} at a time${o.exitWhenEmpty ? ', exits when the queue is empty' : ''}`,
      );
      // Ctrl-C once: runs finish their epoch; again, or SIGTERM: they stop now; a third time: exit
      let asks = 0;
      const stop = listenForStop((level, signal) => {
        asks++;
        if (asks > 2) process.exit(exitCodeFor(signal));
        log(
          level === 'after-epoch'
            ? 'stopping: runs in flight finish their epoch and go back to the queue (Ctrl-C again to stop them now)'
            : `stopping now (${signal}): runs in flight stop and go back to the queue`,
        );
        void w.stop(level === 'now' ? 'now' : 'after-epoch');
      });
      try {
        await Promise.race([w.done, new Promise<void>((r) => process.once('beforeExit', () => r()))]);
      } finally {
        stop.dispose();
      }
      if (stop.signal()) process.exitCode = exitCodeFor(stop.signal());
    });
}
