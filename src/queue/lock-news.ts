/**
 * What a queue worker says when a job's lock is gone: this worker was stopped or cut off for
 * longer than --lock-seconds, Redis restarted without its data, or the job was taken over. Not a
 * Redis outage, and said once per job, naming its run. The run's lease still keeps its folder to
 * one runner; this is only about telling the user.
 */
export type LockNews = { jobId: string; runId: string | undefined; when: 'renewing' | 'finishing' };

/** A command on a job whose lock is gone (BullMQ's finished-errors.ts). */
const LOCK_ERROR = /^(?:Missing lock for job (.+)\. \w+|Lock mismatch for job (.+)\. Cmd \w+ from \w+)$/;

export class JobLocks {
  /** The jobs in the processor now, by run. */
  private readonly running = new Map<string, string>();
  /** Jobs whose run finished, until the queue has them marked done. */
  private readonly finished = new Map<string, string>();
  private readonly said = new Set<string>();

  constructor(private readonly tell: (news: LockNews) => void) {}

  /** The processor starts the job's run (a new attempt: its lock is news again). */
  started(jobId: string, runId: string): void {
    this.running.set(jobId, runId);
    this.said.delete(jobId);
    this.finished.delete(jobId);
  }

  /** The job's run has its result on disk (or had it before this attempt). */
  finishedRun(jobId: string, runId: string): void {
    this.finished.set(jobId, runId);
  }

  /** The processor is done with the job (a renewal that ends later is about nothing running here). */
  left(jobId: string): void {
    this.running.delete(jobId);
  }

  /** The queue marked the job done. */
  completed(jobId: string): void {
    this.finished.delete(jobId);
  }

  /** BullMQ's 'lockRenewalFailed'. */
  renewalFailed(jobIds: string[]): void {
    for (const jobId of jobIds) if (this.running.has(jobId)) this.sayOnce(jobId, { jobId, runId: this.running.get(jobId), when: 'renewing' });
  }

  /** BullMQ's 'error': true if it was about a lost lock (and so is said here, or was already). */
  error(message: string): boolean {
    // BullMQ reports a lock it could not renew as an error too: renewalFailed says it better
    if (message.startsWith('could not renew lock for job ')) return true;
    const lock = LOCK_ERROR.exec(message);
    if (!lock) return false;
    const jobId = (lock[1] ?? lock[2])!;
    const runId = this.finished.get(jobId);
    if (runId !== undefined) {
      // its run finished: the folder has the result, and whoever takes the job again skips it
      this.finished.delete(jobId);
      this.said.add(jobId);
      this.tell({ jobId, runId, when: 'finishing' });
    } else this.sayOnce(jobId, { jobId, runId: this.running.get(jobId), when: 'renewing' });
    return true;
  }

  private sayOnce(jobId: string, news: LockNews): void {
    if (this.said.has(jobId)) return;
    this.said.add(jobId);
    this.tell(news);
  }
}
