/**
 * A customer's answer to an invitation (REL-2): found by the relationship's id, queued for the
 * relationship processor, answered 202. Nothing is stored at intake; the key's record proves the
 * answer was taken.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";

import { problem } from "../http/problem.js";
import { acceptedResponse } from "../http/respond.js";
import { QUEUES } from "../messaging/messages.js";
import { findRelationship } from "../storage/index.js";
import { acceptOnce } from "./intake.js";
import type { Runtime } from "./runtime.js";

export interface Answer {
  relationshipId: string;
  answer: "accept" | "decline";
  customerUserId: string;
  reason?: string | undefined;
}

export async function takeAnswer(
  rt: Runtime,
  request: HttpRequest,
  read: { raw: Buffer; idempotencyKey: string },
  answer: Answer,
): Promise<HttpResponseInit> {
  const found = await findRelationship(rt.store, answer.relationshipId, rt.now());
  if (found === undefined) return problem("not-found", `No relationship ${answer.relationshipId}`);
  const { customerId } = found;
  const location = `/api/relationships/${answer.relationshipId}`;
  return acceptOnce(
    rt,
    {
      // The customer answers, so the key is the customer's.
      scope: customerId,
      key: read.idempotencyKey,
      method: request.method,
      path: new URL(request.url).pathname,
      raw: read.raw,
      idPrefix: "ans",
    },
    {
      answer: () => acceptedResponse(answer.relationshipId, found.stored.value.status, location),
      send: (id) =>
        rt.send(QUEUES.relationships, {
          schemaVersion: 1,
          type: "relationship-answer",
          requestId: id,
          customerId,
          relationshipId: answer.relationshipId,
          answer: answer.answer,
          customerUserId: answer.customerUserId,
          ...(answer.reason === undefined ? {} : { reason: answer.reason }),
        }),
    },
  );
}
