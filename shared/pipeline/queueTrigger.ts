/**
 * Every queue processor's trigger (functions/process*Message.ts register through it, never with an
 * options object of their own — eslint.config.js enforces it): the processor handles one delivery,
 * and a Partner Center call it made that was throttled (429), failed (5xx) or not answered is asked
 * again later by a scheduled copy of the message, never by waiting in the function and never by
 * Service Bus's immediate redelivery, which a storm or an outage longer than the queue's
 * maxDeliveryCount would spend at once. When Partner Center gives Retry-After the copy comes then,
 * else after a capped back-off with jitter (shared/domain/redelivery.ts); the original completes.
 *
 * The copy carries its attempt and the first failure's time in application properties
 * (`redeliveryAttempt`, `redeliveryFirstFailedAt`), so the message schemas stay as they are. Once
 * the budget (PARTNER_CENTER_RETRY_*) is spent the failure is thrown: Service Bus dead-letters the
 * message after its deliveries and the log says why; `npm run ops -- dead-letters replay` drops
 * those properties, so a replay starts a fresh budget. The sweep completes instead (`exhausted`):
 * the next night's run finds the customer again.
 *
 * Crash-safe without a transaction: the copy is sent before the original completes. A crash after
 * the send leaves the original to come back when its lock expires; it fails again and sends the
 * same copy — its id is fixed by the original's id and the attempt — which duplicate detection
 * drops, or it succeeds and the copy later finds its work done. Handlers are idempotent under
 * redelivery and each Partner Center purchase carries its item's MS-RequestId, so neither path
 * doubles anything; a crash before the send loses nothing either, the original comes back.
 */
import { createHash } from "node:crypto";

import type { InvocationContext, ServiceBusQueueHandler } from "@azure/functions";
import { z } from "zod";

import { isoTimeSchema } from "../domain/model.js";
import { nextRedelivery, type RedeliveryBudget } from "../domain/redelivery.js";
import type { Config } from "../config.js";
import { errorMessage } from "../errors.js";
import type { ScheduledCopy } from "../messaging/sender.js";
import { PartnerCenterError } from "../partnerCenter/client.js";
import { PoisonMessageError, readQueueMessage } from "./queueMessage.js";
import { runtime, type QueueName } from "./runtime.js";

const redeliveryPropertiesSchema = z
  .object({
    redeliveryAttempt: z.number().int().min(2).max(1_000).optional(),
    redeliveryFirstFailedAt: isoTimeSchema.optional(),
  })
  .refine(
    (found) => (found.redeliveryAttempt === undefined) === (found.redeliveryFirstFailedAt === undefined),
    "redeliveryAttempt and redeliveryFirstFailedAt come together",
  );

const MAX_MESSAGE_ID = 128;
const COPY_SUFFIX = /\.later-\d+$/;

export interface QueueTrigger {
  readonly connection: "ServiceBusConnection";
  readonly queueName: QueueName;
  readonly handler: ServiceBusQueueHandler;
}

export interface QueueTriggerOptions<T> {
  /**
   * When the budget is spent: the line logged, and the message completes. Absent: the failure is
   * thrown, so the message is dead-lettered after its deliveries.
   */
  readonly exhausted?: (message: T, reason: string) => string;
}

/** The trigger of one queue processor: `handle` takes one delivery, as the host hands it over. */
export function queueTrigger<S extends z.ZodType<ScheduledCopy["body"]>>(
  queue: QueueName,
  schema: S,
  handle: (message: unknown, context: InvocationContext) => Promise<void>,
  options: QueueTriggerOptions<z.output<S>> = {},
): QueueTrigger {
  return {
    connection: "ServiceBusConnection",
    queueName: queue,
    handler: async (message: unknown, context: InvocationContext): Promise<void> => {
      try {
        await handle(message, context);
      } catch (error) {
        if (!(error instanceof PartnerCenterError) || !error.retryable) throw error;
        await deliverLater(queue, readQueueMessage(schema, queue, message), error, context, options);
      }
    },
  };
}

async function deliverLater<T extends ScheduledCopy["body"]>(
  queue: QueueName,
  message: T,
  error: PartnerCenterError,
  context: InvocationContext,
  options: QueueTriggerOptions<T>,
): Promise<void> {
  const rt = runtime();
  const now = rt.now();
  const metadata = context.triggerMetadata ?? {};
  const properties = redeliveryPropertiesSchema.safeParse(metadata.applicationProperties ?? {});
  if (!properties.success) {
    throw new PoisonMessageError(
      queue,
      properties.error.issues.map((issue) => `${issue.path.join(".") || "properties"}: ${issue.message}`),
    );
  }
  const earlier = properties.data;
  const firstFailedAt =
    earlier.redeliveryFirstFailedAt === undefined ? now : new Date(earlier.redeliveryFirstFailedAt);
  const attempt = earlier.redeliveryAttempt ?? 1;
  const budget = budgetOf(rt.config);
  const next = nextRedelivery(
    { attempt, firstFailedAt, now, retryAfterSeconds: error.retryAfterSeconds, jitter: Math.random() },
    budget,
  );
  const id = typeof metadata.messageId === "string" ? metadata.messageId : fallbackId(message);
  const reason = errorMessage(error, { firstLine: true });
  if (next.kind === "exhausted") {
    const spent = `Partner Center still failing after ${next.attempts} deliveries over ${Math.round(next.sinceSeconds)} s (budget ${budget.attempts} deliveries, ${budget.windowSeconds} s): ${reason}`;
    if (options.exhausted === undefined) {
      throw new Error(
        `${queue} message ${id}: ${spent}; given up — Service Bus dead-letters it after its deliveries, replay it once Partner Center answers`,
        { cause: error },
      );
    }
    context.warn(`${queue} message ${id}: ${options.exhausted(message, spent)}`);
    return;
  }
  const root = id.replace(COPY_SUFFIX, "");
  const suffix = `.later-${next.attempt}`;
  await rt.sendLater(queue, {
    messageId: `${root.slice(0, MAX_MESSAGE_ID - suffix.length)}${suffix}`,
    body: message,
    scheduledAt: next.at,
    applicationProperties: {
      redeliveryAttempt: next.attempt,
      redeliveryFirstFailedAt: firstFailedAt.toISOString(),
    },
  });
  context.warn(
    `${queue} message ${id}: ${reason}; delivered again in ${next.delaySeconds.toFixed(2)} s at ${next.at.toISOString()} (${error.retryAfterSeconds === undefined ? "back-off" : "Retry-After"}; attempt ${next.attempt} of ${budget.attempts})`,
  );
}

function budgetOf(config: Config): RedeliveryBudget {
  return {
    firstSeconds: config.PARTNER_CENTER_RETRY_FIRST_SECONDS,
    maxSeconds: config.PARTNER_CENTER_RETRY_MAX_SECONDS,
    attempts: config.PARTNER_CENTER_RETRY_ATTEMPTS,
    windowSeconds: config.PARTNER_CENTER_RETRY_WINDOW_SECONDS,
  };
}

/** A message handed over without the host's metadata (a test calling the trigger): an id from its body. */
function fallbackId(message: unknown): string {
  return createHash("sha256").update(JSON.stringify(message)).digest("hex");
}
