/**
 * Submits one chunk of a bulk migration from the bulk-migrations queue. A redelivery submits the
 * same migrations under the same keys, so nothing doubles; an unexpected failure throws, so the
 * host abandons the message and Service Bus retries it, then dead-letters it.
 */
import { app, type InvocationContext } from "@azure/functions";

import { bulkChunkMessageSchema, QUEUES } from "../shared/messaging/messages.js";
import { processBulkChunk } from "../shared/pipeline/bulk.js";
import { readQueueMessage } from "../shared/pipeline/queueMessage.js";
import { queueTrigger } from "../shared/pipeline/queueTrigger.js";
import { runtime } from "../shared/pipeline/runtime.js";

export async function processBulkChunkMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = readQueueMessage(bulkChunkMessageSchema, QUEUES.bulk, message);
  const result = await processBulkChunk(runtime(), parsed);
  const notes = result.notes.length === 0 ? "" : ` (${result.notes.join("; ")})`;
  context.log(
    `bulk ${result.batchId} chunk ${result.chunk}: ${result.submitted} submitted, ${result.cancelled} left cancelled${notes}`,
  );
}

app.serviceBusQueue(
  "processBulkChunkMessage",
  queueTrigger(QUEUES.bulk, bulkChunkMessageSchema, processBulkChunkMessage),
);
