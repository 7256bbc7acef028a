/**
 * One sweep run in its own process: a crash, an out-of-memory or a diverged run touches only
 * its own folder. Receives a WorkerTask over IPC, reports rows and the summary, then exits.
 */
import { initBackend } from '../backend/index.js';
import { isUserError } from '../errors.js';
import { executeRun } from '../runs/run.js';
import { analyzeIfAsked } from '../analyze/run.js';
import type { StopRequest } from '../train/index.js';
import type { WorkerMessage, WorkerTask } from './protocol.js';

const send = (m: WorkerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, () => resolve());
  });

let stop: StopRequest = 'no';
// The sweep forwards Ctrl-C as SIGINT: the first finishes the epoch, the second stops at once.
process.on('SIGINT', () => {
  stop = stop === 'no' ? 'after-epoch' : 'now';
});

process.once('message', async (task: WorkerTask) => {
  try {
    const backend = await initBackend(task.config.backend);
    const summary = await executeRun(task.config, {
      out: task.out,
      force: true,
      backend,
      extraMeta: { sweep: task.sweep },
      hooks: { onRow: (row) => void send({ type: 'row', row }), stopRequested: () => stop },
    });
    await analyzeIfAsked(task.config, task.out);
    await send({ type: 'done', summary });
    process.exit(0);
  } catch (e) {
    await send({ type: 'error', message: (e as Error).message, user: isUserError(e) });
    if (!isUserError(e)) process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(isUserError(e) ? 2 : 1);
  }
});

// The sweep went away (killed): stop at once rather than run on unobserved.
process.on('disconnect', () => {
  stop = 'now';
});
