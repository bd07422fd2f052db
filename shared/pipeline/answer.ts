/**
 * A customer's answer to an invitation (REL-2): found by the relationship's id, checked to come from
 * that customer tenant's Global Administrator (TEN-3), queued for the relationship processor,
 * answered 202. Nothing is stored at intake; the key's record proves the answer was taken.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";

import { callerName, idempotencyScope, pathAndQueryOf } from "../auth/callers.js";
import { answerViolation, type Caller } from "../domain/index.js";
import { problem } from "../http/problem.js";
import { acceptedResponse } from "../http/respond.js";
import { QUEUES } from "../messaging/messages.js";
import { findRelationship } from "../storage/index.js";
import { acceptOnce } from "./intake.js";
import type { Runtime } from "./runtime.js";

export interface Answer {
  relationshipId: string;
  answer: "accept" | "decline";
  reason?: string | undefined;
}

export async function takeAnswer(
  rt: Runtime,
  request: HttpRequest,
  read: { caller: Caller; raw: Buffer; idempotencyKey: string },
  answer: Answer,
): Promise<HttpResponseInit> {
  const found = await findRelationship(rt.store, answer.relationshipId, rt.now());
  if (found === undefined) return problem("not-found", `No relationship ${answer.relationshipId}`);
  const { customerId } = found;
  const refused = answerViolation(read.caller, customerId);
  if (refused !== null) return problem("forbidden", refused.message, { violations: [refused] });
  const location = `/api/relationships/${answer.relationshipId}`;
  return acceptOnce(
    rt,
    {
      scope: idempotencyScope(read.caller),
      key: read.idempotencyKey,
      method: request.method,
      path: pathAndQueryOf(request),
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
          customerUserId: callerName(read.caller),
          ...(read.caller.kind === "customer" ? { customerObjectId: read.caller.objectId } : {}),
          ...(answer.reason === undefined ? {} : { reason: answer.reason }),
        }),
    },
  );
}
