// Every registered kernel of the current backend wrapped with a timer, for the profiling scripts:
// outermost calls only (a kernel that calls others is counted once, with them), engine and direct
// calls alike. `clock` gives milliseconds; `key(name, args)` groups calls (default: by kernel name).
import * as tf from '@tensorflow/tfjs-core';

export function timeKernels({ clock = () => performance.now(), key = (name) => name } = {}) {
  /** key → { name, calls, ms } */
  const stats = new Map();
  let on = false;
  let nesting = 0;
  for (const k of tf.getKernelsForBackend(tf.getBackend())) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (!on || nesting > 0) return f(args);
        nesting++;
        const t0 = clock();
        try {
          return f(args);
        } finally {
          const ms = clock() - t0;
          nesting--;
          const id = key(k.kernelName, args);
          const s = stats.get(id) ?? { name: k.kernelName, calls: 0, ms: 0 };
          s.calls++;
          s.ms += ms;
          stats.set(id, s);
        }
      },
    });
  }
  return {
    stats,
    start: () => {
      on = true;
    },
    stop: () => {
      on = false;
    },
  };
}
