/**
 * Decides migrations from the migration-requests queue, and (live mode) follows their transfers in
 * Partner Center: a `transfer-poll` message asks how one is going. A rule violation is an outcome (the message
 * completes); a message that fails its schema, or an unexpected failure, throws, so the host abandons
 * it and Service Bus dead-letters it after the queue's maxDeliveryCount. Partner Center throttling or
 * failing is asked again later, by a scheduled copy (queueTrigger.ts).
 */
import { app, type InvocationContext } from "@azure/functions";

import { migrationQueueMessageSchema, QUEUES } from "../shared/messaging/messages.js";
import { processMigration } from "../shared/pipeline/processMigration.js";
import { summarize } from "../shared/pipeline/processing.js";
import { readQueueMessage } from "../shared/pipeline/queueMessage.js";
import { queueTrigger } from "../shared/pipeline/queueTrigger.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { pollTransfer } from "../shared/pipeline/transfers.js";

export async function processMigrationMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = readQueueMessage(migrationQueueMessageSchema, QUEUES.migrations, message);
  const result =
    parsed.type === "transfer-poll" ? await pollTransfer(runtime(), parsed) : await processMigration(parsed);
  const line = `${parsed.type} ${parsed.requestId}: ${summarize(result)}`;
  if (result.warn) context.warn(line);
  else context.log(line);
}

app.serviceBusQueue(
  "processMigrationMessage",
  queueTrigger(QUEUES.migrations, migrationQueueMessageSchema, processMigrationMessage),
);
