import { Command } from 'commander';
import { folderArg } from './options.js';
import { kindOf } from '../base/kinds.js';
import { printable } from '../util/escape.js';
import { REPORT_FILES, REPORT_FILE_NAMES } from '../report/files.js';
import { FIELD_PATHS } from '../config/index.js';
import { UserError } from '../errors.js';
import { clip, didYouMean, counted } from '../util/strings.js';

const HELP = `
Reads only run folders (any folder under <dir> holding config.json, up to 4 levels deep), so it
works on partial sweeps and on results copied from other machines. Runs of different sweeps (or
of differing settings) are kept in separate cells, and their claims decided apart.

Writes (into --out, default <dir>):
${REPORT_FILES.map(([f, what]) => `  ${f.padEnd(12)} ${what}`).join('\n')}

Examples:
  $ highway report results/depth-quick
  $ highway report results/ --out /tmp/all-runs
  $ highway report results/ --group-by model.activation     # pool sweeps, split by activation`;

/** `--group-by sweep,model.activation`: the keys, each a config path or "sweep"; "none" for none. */
function parseGroupBy(text: string): string[] {
  const keys = text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '' && k !== 'none');
  for (const k of keys) {
    if (k !== 'sweep' && !(FIELD_PATHS as readonly string[]).includes(k)) {
      throw new UserError(`--group-by: "${clip(k)}" is neither "sweep" nor a config path${didYouMean(k, [...FIELD_PATHS, 'sweep'])}`);
    }
  }
  return keys;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(`turn a results folder into ${REPORT_FILE_NAMES.join(', ')} (with the paper comparison)`)
    .argument('<dir>', 'a sweep folder, or any folder of run folders')
    .option('-o, --out <dir>', 'where to write the report files (default: <dir>)', folderArg('--out'))
    .addHelpText('after', HELP)
    .option(
      '--group-by <keys>',
      'what splits cells beyond type and depth: "sweep" and/or config paths, comma-separated ("none": pool every run of a type and depth) [default: the sweep, and any setting runs outside a sweep differ in]',
    )
    .action(async (dir: string, opts: { out?: string; groupBy?: string }) => {
      const [{ writeReport }, { devSelection }, { residualVsHighway }] = await Promise.all([
        import('../report/index.js'),
        import('../report/load.js'),
        import('../report/claims.js'),
      ]);
      const r = await writeReport(dir, opts.out ?? dir, opts.groupBy === undefined ? {} : { groupBy: parseGroupBy(opts.groupBy) });
      for (const w of r.cells.warnings) process.stderr.write(`warning: ${printable(w)}\n`);
      if (r.studies.length > 1)
        process.stderr.write(`${r.studies.length} studies kept apart (by ${r.cells.keys.join(', ')}): their claims are decided separately\n`);
      for (const { study, claims } of r.studies) {
        const own = r.stats.filter((s) => s.study === study);
        if (r.studies.length > 1) process.stdout.write(`== ${printable(study)}\n`);
        if (own.some((s) => kindOf(s.type).family === 'dense')) {
          for (const c of claims) {
            const why = c.missing ? ` (${c.missing})` : '';
            process.stdout.write(`claim ${c.n}: ${c.verdict}${why}\n  best runs: ${c.best}\n  top-10 means: ${c.mean}\n`);
          }
        }
        const residual = residualVsHighway(own);
        if (residual) process.stdout.write(`${residual}\n`);
      }
      // runs chosen on a dev split: their test accuracy there, one line per run
      for (const run of r.runs) {
        const sel = devSelection(run);
        if (sel)
          process.stdout.write(
            `${printable(run.id)}: test_acc ${sel.testAcc.toFixed(4)} at the best dev epoch ${sel.epoch} (dev_acc ${sel.devAcc.toFixed(4)})\n`,
          );
      }
      for (const run of r.runs.filter((x) => x.unreadable)) process.stderr.write(`unreadable run ${printable(run.id)}: ${printable(run.unreadable!)}\n`);
      process.stdout.write(`${counted(r.runs.length, 'run')} → ${r.files.join(', ')}\n`);
    });
}
