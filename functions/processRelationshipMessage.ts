/**
 * Decides relationship requests and applies customers' answers — the customer's own, or Partner
 * Center's event once confirmed (shared/pipeline/partnerCenterEvents.ts) — from the
 * relationship-requests queue. A rule violation is an outcome (the message completes); a message that fails its schema, or
 * an unexpected failure, throws, so the host abandons it and Service Bus dead-letters it after the
 * queue's maxDeliveryCount. Partner Center throttling or failing (the invitation, the event's
 * confirming read) is asked again later, by a scheduled copy (queueTrigger.ts).
 */
import { app, type InvocationContext } from "@azure/functions";

import { QUEUES, relationshipMessageSchema } from "../shared/messaging/messages.js";
import { processPartnerCenterEvent } from "../shared/pipeline/partnerCenterEvents.js";
import { processRelationship } from "../shared/pipeline/processRelationship.js";
import { summarize } from "../shared/pipeline/processing.js";
import { readQueueMessage } from "../shared/pipeline/queueMessage.js";
import { queueTrigger } from "../shared/pipeline/queueTrigger.js";

export async function processRelationshipMessage(
  message: unknown,
  context: InvocationContext,
): Promise<void> {
  const parsed = readQueueMessage(relationshipMessageSchema, QUEUES.relationships, message);
  const result =
    parsed.type === "partner-center-event"
      ? await processPartnerCenterEvent(parsed)
      : await processRelationship(parsed);
  const line = `${parsed.type} ${parsed.requestId}: ${summarize(result)}`;
  if (result.warn) context.warn(line);
  else context.log(line);
}

/** The registered trigger: Partner Center's throttling and faults are asked again later. */
export const relationshipTrigger = queueTrigger(
  QUEUES.relationships,
  relationshipMessageSchema,
  processRelationshipMessage,
);

app.serviceBusQueue("processRelationshipMessage", relationshipTrigger);
