import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { positiveInt } from './options.js';
import { DEFAULT_QUEUE, checkQueueName } from '../queue/connection.js';
import { formatLoss } from '../report/claims.js';

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
(--lock-seconds) and another worker reruns it from scratch; a job is tried twice, then its run
is recorded as failed. Finished runs are never rerun. Ctrl-C once: runs in flight finish their
epoch and stop (their jobs return to the queue); twice: exit now.`;

export function workerCommand(): Command {
  return new Command('worker')
    .description('take sweep runs from a Redis queue (BullMQ) and run them, on as many machines as you like')
    .requiredOption('--queue <url>', 'Redis URL: redis://[user:password@]host:port[/db]')
    .option('--queue-name <name>', 'queue to take jobs from', checkQueueName, DEFAULT_QUEUE)
    .option('-j, --jobs <n>', `runs at a time, each in its own process [default: CPU count, ${availableParallelism()} here]`, positiveInt('--jobs'))
    .option('-o, --out <dir>', "where the sweep folders are on this machine (default: the enqueuing machine's path)")
    .option('--lock-seconds <s>', 'how long a silent worker keeps its job before another may take it [default: 30]', positiveInt('--lock-seconds'))
    .option('--exit-when-empty', 'exit once nothing is waiting or running (batch systems, tests)')
    .option('-q, --quiet', 'print only errors')
    .addHelpText('after', EXAMPLES)
    .action(async (o: { queue: string; queueName: string; jobs?: number; out?: string; lockSeconds?: number; exitWhenEmpty?: boolean; quiet?: boolean }) => {
      const { runQueueWorker } = await import('../queue/worker.js');
      const jobs = o.jobs ?? availableParallelism();
      const log = (s: string) => {
        if (!o.quiet) process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${s}\n`);
      };
      const w = await runQueueWorker({
        url: o.queue,
        queueName: o.queueName,
        jobs,
        out: o.out,
        lockSeconds: o.lockSeconds ?? 30,
        exitWhenEmpty: Boolean(o.exitWhenEmpty),
        onEvent: (e) => {
          if (e.type === 'start') log(`start ${e.id}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''} → ${e.out}`);
          if (e.type === 'skip') log(`skip ${e.id}: already finished in ${e.out}`);
          if (e.type === 'connection') process.stderr.write(`queue connection: ${e.message} (retrying)\n`);
          if (e.type === 'end') {
            const f = e.summary?.final;
            const detail = e.error ? `error: ${e.error}` : f ? `train_loss ${formatLoss(f.trainLoss)}  test_acc ${f.testAcc.toFixed(4)}` : '';
            log(`${e.status} ${e.id}  ${detail}  (${e.seconds.toFixed(1)}s)`);
          }
        },
      });
      log(`worker ${process.pid}: queue "${o.queueName}" at ${o.queue}, ${jobs} at a time${o.exitWhenEmpty ? ', exits when the queue is empty' : ''}`);
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        log('stopping: runs in flight finish their epoch and go back to the queue (Ctrl-C again to exit now)');
        void w.stop();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      await Promise.race([w.done, new Promise<void>((r) => process.once('beforeExit', () => r()))]);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      if (interrupts > 0) process.exitCode = 130;
    });
}
