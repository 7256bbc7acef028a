/**
 * The files `highway report` writes, each with what it holds: one list that the report writes
 * from, `highway report --help` prints and the docs test holds docs/commands.md to.
 */
export const REPORT_FILES = [
  ['runs.csv', 'one row per run: id, sweep, swept parameters, status, final/best training loss, final test accuracy, epochs, parameters, seconds, folder'],
  ['curves.csv', 'epoch, then one training-loss column per run, named by its folder (blank after a run stopped)'],
  ['epochs.csv', 'the long form: one row per run and epoch, every metric, parameters, status and every config field'],
  ['figure1.svg', "the paper's Figure 1: best run per depth, mean of the top 10, the best run's test accuracy"],
  ['report.md', "per-depth tables and the paper's five claims, each held / not held / not tested"],
  ['report.html', 'all of it on one self-contained page: curves of every metric, the search, the tables, the gates'],
] as const;

export type ReportFile = (typeof REPORT_FILES)[number][0];
export const REPORT_FILE_NAMES = REPORT_FILES.map(([f]) => f);
