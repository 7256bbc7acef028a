import { Command } from 'commander';
import { folderArg } from './options.js';
import { kindOf } from '../model/kinds.js';
import { printable } from '../util/escape.js';

const HELP = `
Reads only run folders (any folder under <dir> holding config.json and metrics.csv, up to 3
levels deep), so it works on partial sweeps and on results copied from other machines.

Writes (into --out, default <dir>):
  runs.csv     one row per run: id, swept parameters, status, final/best training loss,
               final test accuracy, epochs, seconds
  curves.csv   epoch, then one training-loss column per run (blank after a run stopped)
  figure1.svg  the paper's Figure 1: best run per depth (left), mean of the top 10 (right)
  report.md    per-depth table and the paper's five claims, each held / not held / not tested

Examples:
  $ highway report results/depth-quick
  $ highway report results/ --out /tmp/all-runs`;

export function reportCommand(): Command {
  return new Command('report')
    .description('turn a results folder into runs.csv, curves.csv, figure1.svg and report.md (with the paper comparison)')
    .argument('<dir>', 'a sweep folder, or any folder of run folders')
    .option('-o, --out <dir>', 'where to write the report files (default: <dir>)', folderArg('--out'))
    .addHelpText('after', HELP)
    .action(async (dir: string, opts: { out?: string }) => {
      const [{ writeReport }, { devSelection }, { residualVsHighway }] = await Promise.all([
        import('../report/index.js'),
        import('../report/load.js'),
        import('../report/claims.js'),
      ]);
      const r = await writeReport(dir, opts.out ?? dir);
      const dense = r.runs.some((x) => !x.unreadable && kindOf(x.config.model.type).family === 'dense');
      if (dense) {
        for (const c of r.claims) {
          const why = c.missing ? ` (${c.missing})` : '';
          process.stdout.write(`claim ${c.n}: ${c.verdict}${why}\n  best runs: ${c.best}\n  top-10 means: ${c.mean}\n`);
        }
      }
      const residual = residualVsHighway(r.stats);
      if (residual) process.stdout.write(`${residual}\n`);
      // runs chosen on a dev split: their test accuracy there, one line per run
      for (const run of r.runs) {
        const sel = devSelection(run);
        if (sel)
          process.stdout.write(
            `${printable(run.id)}: test_acc ${sel.testAcc.toFixed(4)} at the best dev epoch ${sel.epoch} (dev_acc ${sel.devAcc.toFixed(4)})\n`,
          );
      }
      for (const run of r.runs.filter((x) => x.unreadable)) process.stderr.write(`unreadable run ${printable(run.id)}: ${printable(run.unreadable!)}\n`);
      process.stdout.write(`${r.runs.length} runs → ${r.files.join(', ')}\n`);
    });
}
