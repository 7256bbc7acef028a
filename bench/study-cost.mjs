#!/usr/bin/env node
// What a sweep cost in CPU time, from its runs' own metrics.csv: per cell (model type, depth), the
// epochs trained × the cell's median seconds per epoch (training and evaluation), plus the epoch-0
// evaluations. Medians, because a run's clock also counts any time its process was stopped
// (SIGSTOP for a benchmark, a suspended laptop): a few epochs then last hours. The raw sum of the
// clocks is printed beside it.
//
//   node bench/study-cost.mjs results/paper-fig1-plain-highway
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root || !existsSync(join(root, 'runs'))) {
  console.error('usage: node bench/study-cost.mjs <sweep folder> (one holding runs/)');
  process.exit(2);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const cells = new Map();
for (const id of readdirSync(join(root, 'runs'))) {
  const dir = join(root, 'runs', id);
  if (!existsSync(join(dir, 'metrics.csv'))) continue;
  const { model } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const [head, ...lines] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const col = head.split(',').indexOf('seconds');
  const seconds = lines.map((l) => Number(l.split(',')[col]));
  const key = `${model.type}-d${model.depth}`;
  const c = cells.get(key) ?? { runs: 0, epochs: 0, perEpoch: [], first: [], clock: 0 };
  c.runs++;
  c.epochs += seconds.length - 1;
  c.first.push(seconds[0]);
  for (let e = 1; e < seconds.length; e++) c.perEpoch.push(seconds[e] - seconds[e - 1]);
  c.clock += seconds.at(-1);
  cells.set(key, c);
}

let cost = 0;
let clock = 0;
let epochs = 0;
console.log('cell              runs  epochs  s/epoch (median)  CPU h  clocks h');
for (const [key, c] of [...cells].sort()) {
  const h = (median(c.perEpoch) * c.epochs + median(c.first) * c.runs) / 3600;
  cost += h;
  clock += c.clock / 3600;
  epochs += c.epochs;
  console.log(
    `${key.padEnd(16)} ${String(c.runs).padStart(5)} ${String(c.epochs).padStart(7)} ${median(c.perEpoch).toFixed(2).padStart(17)} ${h.toFixed(2).padStart(6)} ${(c.clock / 3600).toFixed(2).padStart(9)}`,
  );
}
console.log(`total: ${epochs} epochs, ${cost.toFixed(2)} CPU hours at each cell's median epoch (the runs' clocks add up to ${clock.toFixed(2)} h)`);
