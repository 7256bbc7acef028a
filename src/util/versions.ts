import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Versions recorded with every run, so a result can be traced to the code that made it. */
export function versions(): Record<string, string | null> {
  return {
    highway: (require('../../package.json') as { version: string }).version,
    node: process.versions.node,
    'tfjs-core': versionOf('@tensorflow/tfjs-core'),
    'tfjs-layers': versionOf('@tensorflow/tfjs-layers'),
    'tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm'),
    'tfjs-node': versionOf('@tensorflow/tfjs-node'),
  };
}
