import { Worker, type Job, type JobJson } from 'bullmq';
import { NOT_JSON } from './job.js';
import type { QueueJobData } from './sweep-queue.js';

/**
 * BullMQ parses a job's data as it takes the job; data that is not JSON threw there, outside any
 * job, and the worker retried it forever ("Expected property name…"). Here such a job is read with
 * a marker instead, so it reaches the processor and is refused like any forged job.
 */
export class UntrustingWorker extends Worker<QueueJobData> {
  protected override createJob(json: JobJson, jobId: string): Job<QueueJobData> {
    try {
      JSON.parse(json.data || '{}');
    } catch (e) {
      return super.createJob({ ...json, data: JSON.stringify({ [NOT_JSON]: (e as Error).message }) }, jobId);
    }
    return super.createJob(json, jobId);
  }
}
