/**
 * The names of what a run folder and a sweep folder hold, in one place: every room that writes or
 * reads them (runs, analyze, sweep, queue, report) takes them from here, so a report reads what
 * a run wrote, whichever version of either.
 */

/** A run folder's files (`runs/<id>/` in a sweep, or `--out` of `highway train`). */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.csv',
  /** The same rows as JSON lines, for tools that tail a file. */
  metricsJsonl: 'metrics.jsonl',
  summary: 'summary.json',
  model: 'model',
  checkpoints: 'checkpoints',
  /** `highway analyze`'s output (ANALYSIS_FILES). */
  analysis: 'analysis',
} as const;

/** Written into every run folder when it is made: only folders holding it are ever deleted. */
export const RUN_MARKER = '.highway-run';

/** What `highway analyze` writes into a run's analysis/ folder. */
export const ANALYSIS_FILES = ['gates.csv', 'gate-sample.csv', 'per-class.csv', 'lesion.csv', 'gates.svg', 'per-class.svg', 'lesion.svg'] as const;

/** A sweep folder's own files, beside runs/. */
export const SWEEP_FILES = {
  runs: 'runs',
  /** The whole expansion: what every runner runs. */
  plan: 'sweep.json',
  /** Early stopping's rung records and decisions. */
  scheduler: 'scheduler',
  /** One lease per run being trained. */
  leases: '.leases',
} as const;
