/**
 * figure1.svg, like the paper's Figure 1: left, the training curve of the best run per depth and
 * type; right, the mean of the top 10. Log-scale loss, one colour per depth, highway solid,
 * plain dashed, residual dotted. Vega-Lite compiled to Vega and rendered to SVG in Node (no browser).
 */
import { meanCurve, type GroupStats } from './stats.js';
import { renderSvg } from './render.js';
import { kindOf, type Block } from '../model/kinds.js';

interface Point {
  type: string;
  depth: number;
  epoch: number;
  loss: number;
}

function points(stats: GroupStats[], curve: (s: GroupStats) => number[]): Point[] {
  return stats.flatMap((s) =>
    curve(s)
      .map((loss, epoch) => ({ type: s.type, depth: s.depth, epoch, loss }))
      .filter((p) => Number.isFinite(p.loss) && p.loss > 0),
  );
}

/** Line style per block type, whatever the family: highway solid, plain dashed, residual dotted. */
const DASH: Record<Block, number[]> = { highway: [1, 0], plain: [6, 4], residual: [2, 2] };
const ORDER: Block[] = ['highway', 'plain', 'residual'];

function typeDomain(values: Point[]): string[] {
  const types = new Set(values.map((p) => p.type));
  if (types.size === 0) types.add('highway').add('plain');
  return [...types].sort((a, b) => ORDER.indexOf(kindOf(a).block) - ORDER.indexOf(kindOf(b).block) || a.localeCompare(b));
}

function panel(title: string, values: Point[], depths: number[]): Record<string, unknown> {
  return {
    title,
    width: 360,
    height: 280,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.8 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'training loss (cross-entropy, whole set)', axis: { format: '.0e' } },
      color: { field: 'depth', type: 'ordinal', scale: { domain: depths, scheme: 'viridis' }, title: 'depth' },
      // every model type present: highway ones solid, plain ones dashed (dense, conv, text alike)
      strokeDash: {
        field: 'type',
        type: 'nominal',
        scale: { domain: typeDomain(values), range: typeDomain(values).map((t) => DASH[kindOf(t).block]) },
        title: 'network',
      },
      detail: [{ field: 'type' }, { field: 'depth' }],
    },
  };
}

export async function figure1Svg(stats: GroupStats[]): Promise<string> {
  const depths = [...new Set(stats.map((s) => s.depth))].sort((a, b) => a - b);
  const withRuns = stats.filter((s) => s.best);
  return renderSvg({
    hconcat: [
      panel(
        'Best run per depth',
        points(withRuns, (s) => s.best!.trainLoss),
        depths,
      ),
      panel(
        'Mean of the top 10 runs',
        points(withRuns, (s) => meanCurve(s.topK)),
        depths,
      ),
    ],
    resolve: { scale: { y: 'shared' } },
  });
}
