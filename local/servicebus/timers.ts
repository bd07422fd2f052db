/**
 * Timers the emulator owns, so that close() can cancel every one of them. Delays longer than
 * setTimeout's limit (about 24.8 days, e.g. a 30-day time to live) are chained.
 */

const LONGEST_DELAY_MS = 2 ** 31 - 1;

export interface TimerHandle {
  handle: NodeJS.Timeout | undefined;
}

export class Timers {
  private readonly active = new Set<TimerHandle>();

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const timer: TimerHandle = { handle: undefined };
    const arm = (remainingMs: number): void => {
      const step = Math.max(0, Math.min(remainingMs, LONGEST_DELAY_MS));
      timer.handle = setTimeout(() => {
        if (remainingMs > LONGEST_DELAY_MS) {
          arm(remainingMs - LONGEST_DELAY_MS);
          return;
        }
        this.active.delete(timer);
        callback();
      }, step);
      // The emulator's listening socket keeps a process alive, not its timers.
      timer.handle.unref();
    };
    arm(delayMs);
    this.active.add(timer);
    return timer;
  }

  cancel(timer: TimerHandle | undefined): void {
    if (!timer) return;
    clearTimeout(timer.handle);
    this.active.delete(timer);
  }

  cancelAll(): void {
    for (const timer of this.active) clearTimeout(timer.handle);
    this.active.clear();
  }
}
