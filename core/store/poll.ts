/**
 * Runs `tick` now and then every `ms` after each run ends, until stopped. `stop()` waits for a
 * run in progress and no run starts after it (a bare clearTimeout would miss the timer that a
 * run still awaiting sets when it ends).
 */
export function pollEvery(ms: number, tick: () => Promise<unknown>) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const loop = async () => {
    if (stopped) return;
    running = tick();
    await running;
    if (stopped) return;
    timer = setTimeout(() => void loop(), ms);
    timer.unref();
  };
  return {
    start() {
      stopped = false;
      void loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
