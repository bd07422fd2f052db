/**
 * When a failed delivery is tried again: attempt n+1 waits base × 2^(n-1) after attempt n, for ten
 * attempts; with the default base of 170 s the nine waits add up to 511 × 170 s ≈ 24 h. Pure.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** The wait after failed attempt `attempt` (1-based), or undefined when it was the last. */
export function retryDelayMs(attempt: number, baseSeconds: number): number | undefined {
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return undefined;
  return baseSeconds * 1000 * 2 ** (attempt - 1);
}

/** Every wait in order, for the README and the tests. */
export function retrySchedule(baseSeconds: number): number[] {
  const waits: number[] = [];
  for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt += 1) {
    waits.push(retryDelayMs(attempt, baseSeconds) ?? 0);
  }
  return waits;
}
