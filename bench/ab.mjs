// Two builds of highway, interleaved: `highway bench --json` from checkout A, then from B, for
// some rounds; prints each net's step time and eval/s per round and the median ratios A/B, taken
// pair by pair so that the machine's mood hits both alike: by wall clock (msPerStep, the median
// step) and by the process's CPU time (cpuMsPerStep, which other tenants barely move).
// node bench/ab.mjs <dir A> <dir B> [rounds=5] -- [highway bench flags, e.g. --depths 50 --models highway]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const sep = process.argv.indexOf('--');
const [a, b, roundsArg = '5'] = process.argv.slice(2, sep < 0 ? undefined : sep);
const flags = sep < 0 ? [] : process.argv.slice(sep + 1);
if (!a || !b) {
  console.error('usage: node bench/ab.mjs <dir A> <dir B> [rounds] -- [bench flags]');
  process.exit(2);
}
const run = (dir) => {
  const r = spawnSync(process.execPath, [join(dir, 'bin/highway.js'), 'bench', '--json', ...flags], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${dir}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
};
const med = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const list = (xs) => xs.map((v) => v.toFixed(2)).join(' ');
const k = (v) => `${(v / 1000).toFixed(1)}K`;
const rows = new Map();
for (let r = 0; r < Number(roundsArg); r++) {
  const [ra, rb] = [run(a), run(b)];
  ra.forEach((x, i) => {
    const y = rb[i];
    const e = rows.get(x.net) ?? { step: [], cpu: [], evals: [], evalsCpu: [] };
    e.step.push(x.msPerStep / y.msPerStep);
    e.cpu.push(x.cpuMsPerStep / y.cpuMsPerStep);
    e.evals.push(x.evalSamplesPerSecond / y.evalSamplesPerSecond);
    e.evalsCpu.push(x.evalCpuSamplesPerSecond / y.evalCpuSamplesPerSecond);
    rows.set(x.net, e);
    console.log(
      `round ${r + 1} ${x.net}: A/B ${x.msPerStep.toFixed(1)}/${y.msPerStep.toFixed(1)} ms (cpu ${x.cpuMsPerStep.toFixed(1)}/${y.cpuMsPerStep.toFixed(1)}), ` +
        `eval ${k(x.evalSamplesPerSecond)}/${k(y.evalSamplesPerSecond)}/s (cpu ${k(x.evalCpuSamplesPerSecond)}/${k(y.evalCpuSamplesPerSecond)})`,
    );
  });
}
for (const [net, e] of rows) {
  console.log(`${net}: step time A/B median ${med(e.step).toFixed(2)}× wall (${list(e.step)}), ${med(e.cpu).toFixed(2)}× cpu (${list(e.cpu)})`);
  console.log(
    `${net}: eval throughput A/B median ${med(e.evals).toFixed(2)}× wall (${list(e.evals)}), ${med(e.evalsCpu).toFixed(2)}× cpu (${list(e.evalsCpu)})`,
  );
}
