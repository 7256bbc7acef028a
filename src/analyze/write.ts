import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../util/atomic.js';
import { renderSvg } from '../charts/render.js';
import type { Analysis } from './gates.js';

import { ANALYSIS_FILES } from '../base/run-files.js';

export { ANALYSIS_FILES };

const heat = (title: string, values: Array<{ layer: number; y: number; v: number }>, yTitle: string, scheme: string, domainMid?: number) => ({
  title,
  width: 260,
  height: 200,
  data: { values },
  mark: 'rect',
  encoding: {
    x: { field: 'layer', type: 'ordinal', title: 'highway layer', axis: { labelOverlap: true } },
    y: { field: 'y', type: 'ordinal', title: yTitle, axis: { labelOverlap: true } },
    color: { field: 'v', type: 'quantitative', title: null, scale: { scheme, ...(domainMid === undefined ? {} : { domainMid }) } },
  },
});

const cells = (m: number[][]) => m.flatMap((row, l) => row.map((v, y) => ({ layer: l + 1, y, v })));

/** One heat map per class (layer × unit): its mean gate output minus the overall mean, as in the paper's Figure 3. */
function perClassSmallMultiples(a: Analysis): Record<string, unknown> {
  const values = a.perClass.flatMap((classes, l) => classes.flatMap((deltas, c) => deltas.map((v, u) => ({ layer: l + 1, unit: u, class: c, v }))));
  return {
    title: 'Mean gate output per class minus the overall mean, per layer and unit',
    data: { values },
    facet: { field: 'class', type: 'ordinal', title: 'class' },
    columns: 5,
    spec: {
      width: 150,
      height: 110,
      mark: 'rect',
      encoding: {
        x: { field: 'layer', type: 'ordinal', title: 'highway layer', axis: { labelOverlap: true } },
        y: { field: 'unit', type: 'ordinal', title: 'unit', axis: { labelOverlap: true } },
        color: { field: 'v', type: 'quantitative', title: 'ΔT', scale: { scheme: 'blueorange', domainMid: 0 } },
      },
    },
  };
}

/** Write the seven analysis files into `dir`; returns their paths. */
export async function writeAnalysis(a: Analysis, dir: string): Promise<string[]> {
  const names = a.rows.map((r) => r.name);
  const csv = (header: string[], rows: Array<Array<string | number>>) => stringify([header, ...rows.map((r) => r.map(String))]);
  const files: Record<(typeof ANALYSIS_FILES)[number], string> = {
    'gates.csv': csv(
      ['layer', 'name', 'bias_mean', 'gate_mean', 'gate_std', 'frac_units_open', 'mean_abs_change'],
      a.rows.map((r) => [r.layer, r.name, r.biasMean, r.gateMean, r.gateStd, r.fracOpen, r.meanAbsChange]),
    ),
    'gate-sample.csv': csv(
      ['layer', 'name', ...(a.sample[0] ?? []).map((_, u) => `unit_${u}`)],
      a.sample.map((row, l) => [l + 1, names[l]!, ...row]),
    ),
    // long form: one row per layer, unit and class
    'per-class.csv': csv(
      ['layer', 'unit', 'class', 'mean_t', 'delta'],
      a.perClass.flatMap((classes, l) => classes.flatMap((deltas, c) => deltas.map((delta, u) => [l + 1, u, c, a.unitMeans[l]![u]! + delta, delta]))),
    ),
    'lesion.csv': csv(
      ['layer', 'name', 'lesioned_loss', 'lesioned_acc', 'base_loss', 'base_acc'],
      a.lesion.map((r) => [r.layer, r.name, r.loss, r.accuracy, a.base.loss, a.base.accuracy]),
    ),
    'gates.svg': await renderSvg({
      hconcat: [
        heat('Transform gate biases b_T', cells(a.unitBias), 'unit', 'blueorange', 0),
        heat(`Mean gate output T (${a.samples} samples)`, cells(a.unitMeans), 'unit', 'viridis'),
        heat('Gate outputs, one sample', cells(a.sample), 'unit', 'viridis'),
      ],
      resolve: { scale: { color: 'independent' } },
    }),
    'per-class.svg': await renderSvg(perClassSmallMultiples(a)),
    'lesion.svg': await renderSvg({
      title: 'Lesioning: training-set loss with one layer’s transform gate set to 0',
      width: 420,
      height: 240,
      layer: [
        {
          data: { values: a.lesion.map((r) => ({ layer: r.layer, loss: r.loss })) },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'layer', type: 'quantitative', title: 'lesioned highway layer' },
            y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'training loss (cross-entropy)' },
          },
        },
        {
          data: { values: [{ loss: a.base.loss }] },
          mark: { type: 'rule', strokeDash: [6, 4], color: 'gray' },
          encoding: { y: { field: 'loss', type: 'quantitative' } },
        },
      ],
    }),
  };
  const paths: string[] = [];
  for (const name of ANALYSIS_FILES) {
    const p = join(dir, name);
    writeFileAtomic(p, files[name]);
    paths.push(p);
  }
  return paths;
}
