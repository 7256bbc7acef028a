// Levers switched on one after another, timed in interleaved rounds with a peer timed in the same
// rounds (what bench/levers.mjs and bench/conv-levers.mjs share). Each level's switch runs before
// its timing, so a level includes every lever before it; kernels per step (tf.profile plus direct
// calls) are counted in the first round.
import * as tf from '@tensorflow/tfjs-core';
import { directKernelCalls } from '../dist/layers/direct-kernel.js';

export const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];

/**
 * levels: [label, switchOn][]; time(): one timing of the net ({ msPerStep, leaked }); peer(round):
 * the peer's ms/step. Returns the median ms/step of each level and of the peer, and the kernel counts.
 */
export async function timeLevels({ net, levels, rounds, time, peer }) {
  const times = levels.map(() => []);
  const kernels = [];
  const peerTimes = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < levels.length; i++) {
      levels[i][1]();
      const t = time();
      times[i].push(t.msPerStep);
      if (t.leaked) console.log('LEAK', levels[i][0], t.leaked);
      if (r === 0) {
        const d0 = directKernelCalls();
        const p = await tf.profile(() => net.time(1, 0));
        kernels[i] = `${p.kernels.length + directKernelCalls() - d0} (${directKernelCalls() - d0} direct)`;
      }
    }
    peerTimes.push(peer(r));
  }
  return { ms: times.map(median), peerMs: median(peerTimes), kernels };
}

/** One line per level: its median, its ratio to the peer, its kernels per step. */
export function printLevels(levels, { ms, peerMs, kernels }, labelWidth) {
  for (let i = 0; i < levels.length; i++)
    console.log(`  ${levels[i][0].padEnd(labelWidth)} ${ms[i].toFixed(1).padStart(7)} ms  ${(ms[i] / peerMs).toFixed(2)}×  kernels ${kernels[i]}`);
}
