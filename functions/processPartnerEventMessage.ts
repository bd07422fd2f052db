/**
 * The webhook dispatcher, on the partner-events queue: each committed event a message carries to its partner's
 * matching subscriptions, and each scheduled retry or redelivery (shared/pipeline/dispatch.ts). A
 * receiver's failure is an outcome (the next attempt is scheduled); a bad message or an unexpected
 * failure throws, so Service Bus delivers it again and dead-letters it after maxDeliveryCount.
 */
import { app, type InvocationContext } from "@azure/functions";

import { eventsCarried, partnerEventMessageSchema, QUEUES } from "../shared/messaging/messages.js";
import { dispatch } from "../shared/pipeline/dispatch.js";
import { readQueueMessage } from "../shared/pipeline/queueMessage.js";
import { queueTrigger } from "../shared/pipeline/queueTrigger.js";
import { runtime } from "../shared/pipeline/runtime.js";

export async function processPartnerEventMessage(
  message: unknown,
  context: InvocationContext,
): Promise<void> {
  const parsed = readQueueMessage(partnerEventMessageSchema, QUEUES.events, message);
  const outcomes = await dispatch(runtime(), parsed);
  const about =
    parsed.type === "webhook-delivery"
      ? `attempt ${parsed.attempt} of ${parsed.deliveryId}`
      : eventsCarried(parsed)
          .map((event) => `event ${event.id} (${event.type})`)
          .join(", ");
  const line = outcomes.map((found) => `${found.webhook}: ${found.outcome}`).join(", ");
  context.log(`${about}: ${line === "" ? "no subscription" : line}`);
}

app.serviceBusQueue(
  "processPartnerEventMessage",
  queueTrigger(QUEUES.events, partnerEventMessageSchema, processPartnerEventMessage),
);
