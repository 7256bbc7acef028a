import { Command, Option } from 'commander';
import type { Analysis } from '../analyze/gates.js';
import { BACKENDS, type BackendName } from '../config/schema.js';
import { folderArg, positiveInt } from './options.js';

const HELP = `
Loads the run's saved model and its data (from config.json) and writes, into --out
(default <run-dir>/analysis/):
  gates.csv        per highway layer: mean transform-gate bias, mean gate output over the
                   samples, its standard deviation, fraction of units whose mean gate output is
                   above 0.5, mean |y - x| (how much the block changes its input)
  gate-sample.csv  gate outputs for one sample, layer x unit
  per-class.csv    long form layer,unit,class,mean_t,delta: each unit's mean gate output over a
                   class, and minus its mean over all samples (the paper's Figure 3)
  lesion.csv       training-set loss and accuracy with one layer made the identity (y = x: its
                   transform gate forced to 0, an independent carry gate to 1), next to the
                   unlesioned values
  gates.svg, per-class.svg, lesion.svg   heat maps and the lesion curve
Convolutional highway layers: gate statistics averaged over spatial positions.

Examples:
  $ highway analyze results/highway-d50-20261127-120000
  $ highway analyze results/depth-quick/runs/highway-d50 --samples 2000 --out /tmp/d50`;

export function printAnalysis(a: Analysis, files: string[], write: (s: string) => void): void {
  const worst = a.lesion.reduce((m, r) => (r.loss > m.loss ? r : m));
  const harmless = a.lesion.filter((r) => r.loss <= a.base.loss * 1.1 + 1e-6).length;
  write(
    `${a.rows.length} highway layers, ${a.samples} samples: mean gate output ${a.rows.map((r) => r.gateMean.toFixed(2)).join(' ')}\n` +
      `lesioning: base loss ${a.base.loss.toPrecision(4)}; ${harmless}/${a.lesion.length} layers change it by ≤10%; worst: layer ${worst.layer} → ${worst.loss.toPrecision(4)}\n` +
      `wrote ${files.join(', ')}\n`,
  );
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description("what a trained highway net's gates learned: statistics per layer and class, lesioning (the paper's Figures 2-4)")
    .argument('<run-dir>', 'a run folder written by `highway train` or `highway sweep`')
    .option('--samples <n>', 'training examples for the gate statistics (class-balanced)', positiveInt('--samples', 10_000_000), 1000)
    .option('-o, --out <dir>', 'where to write the files (default: <run-dir>/analysis)', folderArg('--out'))
    .addOption(new Option('--backend <name>', 'TF.js backend').choices(BACKENDS).default('auto'))
    .addHelpText('after', HELP)
    .action(async (runDir: string, o: { samples: number; out?: string; backend: BackendName }) => {
      const [{ initBackend, describeBackend }, { analyzeRun, checkAnalyzable }] = await Promise.all([
        import('../backend/index.js'),
        import('../analyze/run.js'),
      ]);
      // a folder that cannot be analyzed is said before the backend loads and announces itself
      checkAnalyzable(runDir);
      const backend = await initBackend(o.backend);
      process.stderr.write(`${describeBackend(backend)}\n`);
      const { analysis, files } = await analyzeRun(runDir, { samples: o.samples, out: o.out });
      printAnalysis(analysis, files, (s) => process.stdout.write(s));
    });
}
