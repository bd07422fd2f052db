/** Waiting for asynchronous work: poll a resource's status, saying what it is doing meanwhile. */

export interface PollOptions<T> {
  /** What is awaited, e.g. "relationship rel-1". */
  readonly label: string;
  readonly read: () => Promise<T>;
  readonly statusOf: (value: T) => string;
  /** True once the value is where the caller wants it (or somewhere it will never leave). */
  readonly done: (value: T) => boolean;
  readonly out: (line: string) => void;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** A "still waiting" line this often while the status does not change. */
  readonly reportEveryMs?: number;
}

export class PollTimeoutError extends Error {
  constructor(
    readonly label: string,
    readonly lastStatus: string,
    timeoutMs: number,
  ) {
    super(`Gave up waiting for ${label} after ${timeoutMs / 1000} s; its status is still "${lastStatus}"`);
    this.name = "PollTimeoutError";
  }
}

/** Reads until done; prints every status seen (with elapsed time) and a line while nothing changes. */
export async function pollUntil<T>(options: PollOptions<T>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const reportEveryMs = options.reportEveryMs ?? 2_000;
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  let lastStatus: string | undefined;
  let lastReport = started;
  options.out(`   waiting for ${options.label}...`);
  for (;;) {
    const value = await options.read();
    const status = options.statusOf(value);
    if (status !== lastStatus) {
      options.out(`     ${lastStatus === undefined ? "" : "→ "}${status} (${elapsed()})`);
      lastStatus = status;
      lastReport = Date.now();
    } else if (Date.now() - lastReport >= reportEveryMs) {
      options.out(`     still ${status} (${elapsed()})`);
      lastReport = Date.now();
    }
    if (options.done(value)) return value;
    if (Date.now() - started >= timeoutMs) throw new PollTimeoutError(options.label, status, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
