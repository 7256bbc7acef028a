/**
 * How every long-running command stops, in one place: Ctrl-C (SIGINT) once asks for a stop after
 * the current epoch, twice for a stop now; SIGTERM — what `timeout`, Slurm and Kubernetes send,
 * with a short grace period before SIGKILL — asks for a stop now, and so does SIGHUP (the terminal
 * closed, the ssh session dropped: Node's default would exit at once, every summary left saying
 * "running"). Either way the run in flight writes its finished rows and the status `interrupted`
 * before the process exits.
 */
export type StopLevel = 'no' | 'after-epoch' | 'now';

export interface StopSignals {
  level(): StopLevel;
  /** The signal that asked last (for the exit code: 130 for SIGINT, 143 for SIGTERM). */
  signal(): NodeJS.Signals | null;
  dispose(): void;
}

export function listenForStop(onChange?: (level: StopLevel, signal: NodeJS.Signals) => void): StopSignals {
  let level: StopLevel = 'no';
  let last: NodeJS.Signals | null = null;
  const on = (signal: NodeJS.Signals) => () => {
    level = signal === 'SIGINT' && level === 'no' ? 'after-epoch' : 'now';
    last = signal;
    onChange?.(level, signal);
  };
  const sigint = on('SIGINT');
  const sigterm = on('SIGTERM');
  const sighup = on('SIGHUP');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  process.on('SIGHUP', sighup);
  return {
    level: () => level,
    signal: () => last,
    dispose() {
      process.off('SIGINT', sigint);
      process.off('SIGTERM', sigterm);
      process.off('SIGHUP', sighup);
    },
  };
}

/** The conventional exit code of a process stopped by `signal` (128 + its number). */
export const exitCodeFor = (signal: NodeJS.Signals | null): number => (signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130);
