/** Work that is running, so shutdown can wait for it (up to a limit). */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  get size(): number {
    return this.#running.size;
  }

  /** Runs `work` and remembers it until it settles. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.#running.add(promise);
    const forget = (): void => {
      this.#running.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves true once everything running has settled, or false when `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => {
          resolve("timeout");
        }, remaining);
      });
      const settled = Promise.allSettled([...this.#running]);
      const winner = await Promise.race([settled, timedOut]);
      clearTimeout(timer);
      if (winner === "timeout") return this.#running.size === 0;
    }
    return true;
  }
}
