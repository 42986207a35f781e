/**
 * A task the local server runs every `intervalMs` while it is up (the checkpointer, the outbox
 * relay): in AWS each is a scheduled function. Runs never overlap; a failed run is reported and the
 * next one goes ahead as usual.
 */
export type PeriodicTask = {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
};

export function startPeriodic(options: {
  readonly run: () => Promise<void>;
  readonly intervalMs: number;
  /** Told about a failed run; must not throw. */
  readonly onError: (error: unknown) => void;
}): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const runOnce = () => options.run().catch(options.onError);
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = runOnce().then(schedule);
    }, options.intervalMs);
    timer.unref(); // the server keeps the process alive, not this timer
  };
  current = runOnce().then(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
