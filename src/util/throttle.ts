/**
 * Run an async job at most once per `ms`: a call within `ms` of the last run schedules one more
 * run at the end of that interval (so the last call is never lost); calls while one is pending or
 * running coalesce. `stop()` cancels what is pending and waits for a run in progress.
 */
export function throttled(job: () => Promise<unknown>, ms: number): { call(): void; stop(): Promise<void> } {
  let last = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let again = false;
  const run = () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    last = Date.now();
    running = job()
      .catch(() => undefined)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          schedule();
        }
      });
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
    timer.unref();
  };
  return {
    call: schedule,
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      again = false;
      await running;
    },
  };
}
