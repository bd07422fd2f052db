/**
 * When a message whose Partner Center call was throttled or failed is delivered again: the one
 * rule every queue processor's scheduled redelivery follows (shared/pipeline/queueTrigger.ts).
 * Pure: the clock and the jitter are passed in.
 */

export interface RedeliveryBudget {
  /** The first back-off, in seconds; each next one is twice as long. */
  readonly firstSeconds: number;
  /** No back-off is longer than this. */
  readonly maxSeconds: number;
  /** Deliveries in all, the first included. */
  readonly attempts: number;
  /** No delivery is scheduled later than this long after the first failure. */
  readonly windowSeconds: number;
}

export interface FailedDelivery {
  /** The delivery that just failed: 1 the first time. */
  readonly attempt: number;
  /** When the first delivery failed (this one's time, the first time). */
  readonly firstFailedAt: Date;
  readonly now: Date;
  /** Partner Center's Retry-After, when it gave one. */
  readonly retryAfterSeconds: number | undefined;
  /** A number in [0, 1): where in its jitter band the back-off falls. */
  readonly jitter: number;
}

export type Redelivery =
  | { readonly kind: "later"; readonly attempt: number; readonly delaySeconds: number; readonly at: Date }
  | { readonly kind: "exhausted"; readonly attempts: number; readonly sinceSeconds: number };

/**
 * Retry-After as Partner Center asks; without one, an exponential back-off — the first, doubled per
 * attempt, capped — of which a random half is taken off ("equal jitter"), so the messages one
 * outage failed together do not all come back at one moment.
 */
export function redeliveryDelaySeconds(
  nextAttempt: number,
  retryAfterSeconds: number | undefined,
  budget: RedeliveryBudget,
  jitter: number,
): number {
  if (retryAfterSeconds !== undefined) return retryAfterSeconds;
  const backoff = Math.min(
    budget.firstSeconds * 2 ** Math.min(Math.max(nextAttempt - 2, 0), 30),
    budget.maxSeconds,
  );
  return backoff / 2 + (backoff / 2) * Math.min(Math.max(jitter, 0), 1);
}

/** The next delivery of a failed one, or that the budget is spent (attempts, or the window). */
export function nextRedelivery(failed: FailedDelivery, budget: RedeliveryBudget): Redelivery {
  const attempt = failed.attempt + 1;
  const delaySeconds = redeliveryDelaySeconds(attempt, failed.retryAfterSeconds, budget, failed.jitter);
  const at = new Date(failed.now.getTime() + delaySeconds * 1_000);
  const sinceSeconds = (failed.now.getTime() - failed.firstFailedAt.getTime()) / 1_000;
  if (
    attempt > budget.attempts ||
    (at.getTime() - failed.firstFailedAt.getTime()) / 1_000 > budget.windowSeconds
  )
    return { kind: "exhausted", attempts: failed.attempt, sinceSeconds };
  return { kind: "later", attempt, delaySeconds, at };
}
