/**
 * What an epoch of training measures, as a row, and the columns of that row, once: their names in metrics.csv (a contract: spreadsheets and
 * `highway report` read them), how to read each from a row, and for the metrics which way is
 * better. The CSV writer, the early stoppers (patience, ASHA, SHA) and the report all read here.
 */
/** One epoch's measurements: the whole training and test sets evaluated after the epoch. */
export interface EpochRow {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  /** Validation split (datasets that have one, e.g. SST-5's dev.txt): for model selection; null otherwise. */
  devLoss: number | null;
  devAcc: number | null;
  /** Learning rate used during this epoch (null for epoch 0, the untrained net). */
  lr: number | null;
  /** Seconds since training started, at the end of this row's evaluation. */
  seconds: number;
  /** Seconds this row's evaluation took. */
  evalSeconds: number;
}

export interface Column {
  csv: string;
  get(row: EpochRow): number | null;
  /** Metrics only: losses are minimised, accuracies maximised. */
  better?: 'lower' | 'higher';
  /** Written only for datasets with a validation split. */
  dev?: boolean;
}

export const COLUMNS = [
  { csv: 'epoch', get: (r) => r.epoch },
  { csv: 'train_loss', get: (r) => r.trainLoss, better: 'lower' },
  { csv: 'train_acc', get: (r) => r.trainAcc, better: 'higher' },
  { csv: 'test_loss', get: (r) => r.testLoss, better: 'lower' },
  { csv: 'test_acc', get: (r) => r.testAcc, better: 'higher' },
  { csv: 'lr', get: (r) => r.lr },
  { csv: 'seconds', get: (r) => r.seconds },
  { csv: 'eval_seconds', get: (r) => r.evalSeconds },
  { csv: 'dev_loss', get: (r) => r.devLoss, better: 'lower', dev: true },
  { csv: 'dev_acc', get: (r) => r.devAcc, better: 'higher', dev: true },
] as const satisfies readonly Column[];

type Metric<C> = C extends { csv: infer N; better: string } ? N : never;
/** The columns a run can be judged by. */
export type MetricName = Metric<(typeof COLUMNS)[number]>;
export const METRICS = COLUMNS.filter((c): c is Extract<(typeof COLUMNS)[number], { better: string }> => 'better' in c).map((c) => c.csv) as MetricName[];

const column = (name: string) => (COLUMNS as readonly Column[]).find((c) => c.csv === name)!;

export const lowerIsBetter = (m: MetricName): boolean => column(m).better === 'lower';

/** The metric's value in one epoch row; null where the row has none (no dev split) or it is NaN. */
export function metricOf(row: EpochRow, metric: MetricName): number | null {
  const v = column(metric).get(row);
  return v === null || Number.isNaN(v) ? null : v;
}
