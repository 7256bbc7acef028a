#!/usr/bin/env node
// How the study's successive halving treated the settings a pilot trained to the end. The pilot's
// runs are the study's own (same ids, settings and seeds, so the same curves up to the rung where
// the study stopped them): for each, its final training loss in the pilot, its rank among the
// study cell's runs at each rung epoch, and how far the study let it train.
//
//   node bench/pilot-vs-study.mjs results/paper-fig1-pilot results/paper-fig1-plain-highway
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [pilot, study] = process.argv.slice(2);
if (!pilot || !study || !existsSync(join(pilot, 'runs')) || !existsSync(join(study, 'runs'))) {
  console.error('usage: node bench/pilot-vs-study.mjs <pilot sweep folder> <study sweep folder>');
  process.exit(2);
}

/** A run's training loss per epoch (NaN where it diverged). */
const curve = (root, id) => {
  const [head, ...lines] = readFileSync(join(root, 'runs', id, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n');
  const col = head.split(',').indexOf('train_loss');
  return lines.map((l) => Number(l.split(',')[col]));
};
const cellOf = (id) => id.replace(/-t\d+$/, '');

const pilotRuns = readdirSync(join(pilot, 'runs')).map((id) => ({ id, loss: curve(pilot, id) }));
const full = Math.max(...pilotRuns.map((r) => r.loss.length - 1));
const finished = pilotRuns.filter((r) => r.loss.length - 1 === full && Number.isFinite(r.loss.at(-1))).sort((a, b) => a.loss.at(-1) - b.loss.at(-1));
const cells = new Set(pilotRuns.map((r) => cellOf(r.id)));
const studyRuns = readdirSync(join(study, 'runs'))
  .filter((id) => cells.has(cellOf(id)))
  .map((id) => ({ id, loss: curve(study, id) }));
const sha = JSON.parse(readFileSync(join(study, 'sweep.json'), 'utf8')).scheduler?.sha;
if (!sha) {
  console.error(`${study}: its sweep.json records no "sha" scheduler`);
  process.exit(2);
}
const rungs = [];
for (let e = sha.minEpochs; e < full; e *= sha.reduction) rungs.push(e);

/** Rank (1 = lowest loss) of `id` among the study runs that reached `epoch` with a finite loss. */
const rankAt = (id, epoch) => {
  const there = studyRuns.filter((r) => Number.isFinite(r.loss[epoch])).sort((a, b) => a.loss[epoch] - b.loss[epoch]);
  const k = there.findIndex((r) => r.id === id);
  return k < 0 ? '—' : `${k + 1}/${there.length}`;
};

console.log(`pilot: ${finished.length} runs trained to epoch ${full}; study rungs at epochs ${rungs.join(', ')}`);
console.log(['pilot rank', 'run', `pilot loss at ${full}`, ...rungs.map((e) => `study rank at ${e}`), 'study epochs'].join('\t'));
finished.forEach((r, k) => {
  const s = studyRuns.find((x) => x.id === r.id);
  console.log([k + 1, r.id, r.loss.at(-1).toPrecision(3), ...rungs.map((e) => rankAt(r.id, e)), s ? s.loss.length - 1 : 'absent'].join('\t'));
});
const top = finished.slice(0, 10);
const kept = top.filter((r) => (studyRuns.find((x) => x.id === r.id)?.loss.length ?? 0) - 1 === full);
console.log(`of the pilot's top ${top.length}, the study trained ${kept.length} to epoch ${full}: ${kept.map((r) => r.id).join(', ') || 'none'}`);
