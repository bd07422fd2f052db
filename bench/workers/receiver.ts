/**
 * A partner portal's webhook receiver in a process of its own (local/eventReceiver.ts: verifies each
 * signature, answers 200), as a portal would be: the benchmark sets its secret, clears and reads
 * what it got.
 */
import { z } from "zod";

import { startEventReceiver } from "../../local/eventReceiver.js";
import { serveParent } from "../lib/child.js";
import { receiverRequestSchema, type ReceiverReceipt } from "../lib/receiver.js";

const receipts: ReceiverReceipt[] = [];
const receiver = await startEventReceiver(() => {
  const event = receiver.events.at(-1);
  if (event === undefined) return;
  receipts.push({
    at: Date.now(),
    id: event.id,
    type: event.type,
    partnerId: event.partnerId,
    customerId: event.customerId,
    occurredAt: event.occurredAt,
  });
});

serveParent((request) => {
  const asked = receiverRequestSchema.parse(request);
  switch (asked.kind) {
    case "secret":
      receiver.useSecret(asked.secret);
      return Promise.resolve("ok");
    case "clear":
      receipts.length = 0;
      return Promise.resolve("ok");
    case "count":
      return Promise.resolve({
        distinct: new Set(receipts.map((r) => r.id)).size,
        refused: receiver.refused,
      });
    case "receipts":
      return Promise.resolve({ receipts, refused: receiver.refused });
  }
});
process.send?.(z.object({ url: z.string() }).parse({ url: receiver.url }));
