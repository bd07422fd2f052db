/**
 * A customer's sweep that Partner Center throttled (429) or failed (5xx, a time-out) while buying is
 * asked again later by a scheduled copy of its message, never by waiting here: after Retry-After when
 * Partner Center gives one, else after a back-off that doubles per attempt. After the last attempt it
 * is left to the next night's sweep, which still finds the customer through the due index (the
 * original is retired only once its replacement is ordered, so nothing due has been cleared).
 */
import type { SweepTransition } from "../http/views.js";
import type { SweepMessage } from "../messaging/messages.js";
import { PartnerCenterError } from "../partnerCenter/client.js";
import { runtime } from "./runtime.js";
import { type QueueSweepRuntime, sweepQueuedCustomer } from "./sweep.js";

/** Deliveries of one customer's sweep in a night, the first included. */
export const SWEEP_ATTEMPTS = 6;
const FIRST_BACKOFF_SECONDS = 30;
const MAX_DELAY_SECONDS = 3_600;

/** Seconds until attempt `attempt` (2, 3, …): Partner Center's Retry-After, else 30 s doubling, at most an hour. */
export function sweepRetryDelaySeconds(attempt: number, retryAfterSeconds: number | undefined): number {
  const backoff = FIRST_BACKOFF_SECONDS * 2 ** Math.max(0, attempt - 2);
  return Math.min(retryAfterSeconds ?? backoff, MAX_DELAY_SECONDS);
}

/** One queued customer's sweep; a retryable Partner Center failure schedules the next attempt instead of throwing. */
export async function sweepQueuedCustomerOrRetry(
  message: SweepMessage,
  options: { log?: (line: string) => void; runtime?: QueueSweepRuntime } = {},
): Promise<SweepTransition[]> {
  const rt = options.runtime ?? runtime();
  const log = options.log ?? (() => undefined);
  try {
    return await sweepQueuedCustomer(message, { runtime: rt, log });
  } catch (error) {
    if (!(error instanceof PartnerCenterError) || !error.retryable) throw error;
    const attempt = (message.attempt ?? 1) + 1;
    if (attempt > SWEEP_ATTEMPTS) {
      log(
        `customer ${message.customerId}: Partner Center still failing after ${SWEEP_ATTEMPTS} attempts (${error.message}); left to the next night's sweep`,
      );
      return [];
    }
    const at = new Date(
      rt.now().getTime() + sweepRetryDelaySeconds(attempt, error.retryAfterSeconds) * 1_000,
    );
    await rt.sendSweeps([{ ...message, attempt }], { scheduledAt: at });
    log(
      `customer ${message.customerId}: Partner Center answered ${error.message}; swept again at ${at.toISOString()} (attempt ${attempt})`,
    );
    return [];
  }
}
