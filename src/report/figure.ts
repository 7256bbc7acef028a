/**
 * figure1.svg, like the paper's Figure 1: the training curve of the best run per depth and type,
 * the mean of the top 10, and (ours) the best run's test accuracy. Log-scale loss, one colour per
 * depth from a categorical palette (neighbouring depths stay apart), highway solid, plain
 * dashed, residual dotted. A report of several studies gets a row of panels per study.
 * Vega-Lite compiled to Vega and rendered to SVG in Node (no browser).
 */
import { meanCurve, TOP_K, type GroupStats } from './stats.js';
import { renderSvg } from '../charts/render.js';
import { BLOCKS, BLOCK_ORDER, kindOf } from '../base/kinds.js';

interface Point {
  type: string;
  depth: number;
  epoch: number;
  value: number;
}

function points(stats: GroupStats[], curve: (s: GroupStats) => number[], positive: boolean): Point[] {
  return stats.flatMap((s) =>
    curve(s)
      .map((value, epoch) => ({ type: s.type, depth: s.depth, epoch, value }))
      .filter((p) => Number.isFinite(p.value) && (!positive || p.value > 0)),
  );
}

function typeDomain(stats: GroupStats[]): string[] {
  const types = new Set(stats.map((s) => s.type));
  return [...types].sort((a, b) => BLOCK_ORDER.indexOf(kindOf(a).block) - BLOCK_ORDER.indexOf(kindOf(b).block) || a.localeCompare(b));
}

function panel(title: string, values: Point[], depths: number[], types: string[], y: Record<string, unknown>): Record<string, unknown> {
  return {
    title,
    width: 300,
    height: 240,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.8, point: { size: 12 } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'value', type: 'quantitative', ...y },
      color: { field: 'depth', type: 'ordinal', scale: { domain: depths, scheme: 'category10' }, title: 'depth' },
      strokeDash: { field: 'type', type: 'nominal', scale: { domain: types, range: types.map((t) => BLOCKS[kindOf(t).block].lineDash) }, title: 'network' },
      detail: [{ field: 'type' }, { field: 'depth' }],
    },
  };
}

function row(stats: GroupStats[], depths: number[], types: string[], study: string): Record<string, unknown> {
  const withRuns = stats.filter((s) => s.best);
  const complete = withRuns.length > 0 && withRuns.every((s) => s.topKComplete);
  const most = Math.max(0, ...withRuns.map((s) => s.topK.length));
  const meanTitle = complete
    ? `Mean of the top ${TOP_K} runs`
    : most <= 1
      ? 'Mean of the top runs (one finisher per cell: the best run)'
      : `Mean of the top ≤${TOP_K} finishers per cell`;
  const loss = { scale: { type: 'log' }, title: 'training loss (whole set)', axis: { format: '.0e' } };
  return {
    ...(study ? { title: study } : {}),
    hconcat: [
      panel(
        'Best run per depth',
        points(withRuns, (s) => s.best!.trainLoss, true),
        depths,
        types,
        loss,
      ),
      panel(
        meanTitle,
        points(withRuns, (s) => meanCurve(s.topK), true),
        depths,
        types,
        loss,
      ),
      panel(
        'Test accuracy of the best run',
        points(withRuns, (s) => s.best!.testAcc, false),
        depths,
        types,
        { title: 'test accuracy', scale: { zero: false } },
      ),
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

export async function figure1Svg(stats: GroupStats[]): Promise<string> {
  const depths = [...new Set(stats.map((s) => s.depth))].sort((a, b) => a - b);
  const types = typeDomain(stats);
  const studies = [...new Set(stats.map((s) => s.study))];
  if (studies.length <= 1) return renderSvg(row(stats, depths, types, ''));
  return renderSvg({
    vconcat: studies.map((st) =>
      row(
        stats.filter((s) => s.study === st),
        depths,
        types,
        st,
      ),
    ),
  });
}
