/**
 * A sweep worker process: takes WorkerTasks over IPC one at a time, runs each into its own
 * folder, reports rows and the summary, and waits for the next until the parent disconnects.
 * Keeping the process between runs saves its start-up (module loading, wasm compilation, JIT
 * warm-up) on every run; a crash, an out-of-memory or an unexpected error still ends only this
 * process, and the parent records that one run as failed and starts a fresh worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/index.js';
import { isLostLease, isUserError } from '../errors.js';
import { stillHeld } from '../runs/lease.js';
import { executeRun } from '../runs/run.js';
import type { StopRequest } from '../train/index.js';
import type { WorkerMessage, WorkerTask } from './protocol.js';
import { earlyStopper } from './scheduler.js';
import { listenForStop } from '../util/stop-signals.js';

const send = (m: WorkerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, () => resolve());
  });

let busy = false;
let disconnected = false;
// The sweep forwards a stop as SIGINT (finish the epoch) or SIGTERM (stop now); a batch system's
// SIGTERM may also come straight here
const signals = listenForStop();
const stop = (): StopRequest => (disconnected ? 'now' : signals.level());

async function runTask(task: WorkerTask): Promise<void> {
  busy = true;
  try {
    const backend = await initBackend(task.config.backend);
    const tensorsBefore = tf.memory().numTensors;
    const fence = task.lease;
    const summary = await executeRun(task.config, {
      out: task.out,
      force: !task.resume,
      resume: Boolean(task.resume),
      ...(task.untilEpoch !== undefined ? { untilEpoch: task.untilEpoch } : {}),
      ...(fence ? { owns: () => stillHeld(fence) } : {}),
      backend,
      extraMeta: { sweep: task.sweep, pid: process.pid },
      hooks: {
        onRow: (row) => void send({ type: 'row', row }),
        stopRequested: stop,
        ...(task.scheduler ? { earlyStop: earlyStopper(task.scheduler, task.sweep.id, task.config.train.epochs) } : {}),
      },
    });
    if (task.config.train.analyze) {
      // loaded only when asked: the analysis pulls in the chart renderer
      const { analyzeIfAsked } = await import('../analyze/run.js');
      await analyzeIfAsked(task.config, task.out);
    }
    // a run that left tensors behind would slow every later run in this process: retire it
    const retire = tf.memory().numTensors !== tensorsBefore;
    await send({ type: 'done', summary, retire });
    if (retire) process.exit(0);
  } catch (e) {
    await send({ type: 'error', message: (e as Error).message, user: isUserError(e), ...(isLostLease(e) ? { lostLease: true } : {}) });
    if (!isUserError(e) && !isLostLease(e)) {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    }
  } finally {
    busy = false;
  }
  if (!process.connected) process.exit(0);
}

process.on('message', (task: WorkerTask) => void runTask(task));

// The sweep is done with us, or went away (killed): stop at once rather than run on unobserved.
process.on('disconnect', () => {
  disconnected = true;
  if (!busy) process.exit(0);
});
