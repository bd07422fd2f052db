/**
 * Taking a request that creates a relationship or a migration: stored as `submitted` in its
 * customer's partition (insert-only, so a retry with the same id finds it there), then queued,
 * then answered 202 with where to poll.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";

import { idempotencyScope, pathAndQueryOf } from "../auth/callers.js";
import {
  actsAsItself,
  historyEntry,
  type Caller,
  type Actor,
  type Migration,
  type Relationship,
  type Violation,
} from "../domain/index.js";
import { problem } from "../http/problem.js";
import { acceptedResponse } from "../http/respond.js";
import type { MigrationMessage, RelationshipMessage } from "../messaging/messages.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  getEntity,
  put,
  WriteConflictError,
} from "../storage/index.js";
import { addLogFields, logFieldsOf } from "../telemetry/logFields.js";
import { acceptOnce } from "./intake.js";
import { relayCommitted } from "./relay.js";
import type { QueueName, Runtime } from "./runtime.js";

export type Submission =
  | {
      kind: "relationship";
      entity: (id: string) => Relationship;
      message: (id: string) => RelationshipMessage;
    }
  | { kind: "migration"; entity: (id: string) => Migration; message: (id: string) => MigrationMessage };

const WHERE = {
  relationship: { idPrefix: "rel", path: "relationships" },
  migration: { idPrefix: "mig", path: "migrations" },
} as const;

/** A signed request read whole: who proved to call, what it asks for, its exact bytes, its Idempotency-Key. */
export interface SubmissionInput {
  caller: Caller;
  body: { partnerId: string; customerId: string; actor: Actor };
  raw: Buffer;
  idempotencyKey: string;
}

export interface SubmissionRoute {
  queue: QueueName;
  /** ROLE-1 / ROLE-2: a role that may not act is refused 403 before anything is written (as is TEN-1). */
  authorize: (actor: Actor) => Violation | null;
}

export async function acceptSubmission(
  rt: Runtime,
  request: HttpRequest,
  input: SubmissionInput,
  route: SubmissionRoute,
  submission: Submission,
): Promise<HttpResponseInit> {
  const { body } = input;
  addLogFields({ partnerId: body.partnerId, customerId: body.customerId });
  const forbidden = actsAsItself(input.caller, body.partnerId) ?? route.authorize(body.actor);
  if (forbidden !== null) return problem("forbidden", forbidden.message, { violations: [forbidden] });
  return takeSubmission(
    rt,
    {
      scope: idempotencyScope(input.caller),
      key: input.idempotencyKey,
      method: request.method,
      path: pathAndQueryOf(request),
      raw: input.raw,
      customerId: body.customerId,
    },
    route.queue,
    submission,
  );
}

/** Who takes a submission, by which key, of which exact request: what makes a retry the same request. */
export interface SubmissionIntake {
  scope: string;
  key: string;
  method: string;
  path: string;
  raw: Buffer;
  customerId: string;
}

/**
 * Takes a submission exactly once (acceptOnce): stored `submitted`, queued, answered 202. The HTTP
 * routes call it after their checks; a bulk migration calls it for each of its customers, with a
 * key derived from the batch, so a redelivered chunk submits nothing twice.
 */
export function takeSubmission(
  rt: Runtime,
  intake: SubmissionIntake,
  queue: QueueName,
  submission: Submission,
): Promise<HttpResponseInit> {
  const { idPrefix, path } = WHERE[submission.kind];
  const send = (id: string) => {
    const message = submission.message(id);
    addLogFields(logFieldsOf(message));
    return rt.send(queue, message);
  };
  return acceptOnce(
    rt,
    {
      scope: intake.scope,
      key: intake.key,
      method: intake.method,
      path: intake.path,
      raw: intake.raw,
      idPrefix,
    },
    {
      answer: (id) => acceptedResponse(id, "submitted", `/api/${path}/${id}`),
      store: (id) => storeSubmitted(rt, submission, id),
      send,
      confirm: async (id) => {
        const found = await getEntity(rt.store, submission.kind, intake.customerId, id);
        // Stored but still submitted: perhaps never sent; duplicate detection drops a repeat.
        if (found?.value.status === "submitted") await send(id);
        return found !== undefined;
      },
    },
  );
}

async function storeSubmitted(rt: Runtime, submission: Submission, id: string): Promise<void> {
  const value = submission.entity(id);
  const changes = [
    submission.kind === "relationship"
      ? put.relationship(submission.entity(id))
      : put.migration(submission.entity(id)),
    appendHistory(
      { kind: submission.kind, id },
      historyEntry(value.createdAt, value.requestedBy.userId, null, "submitted", []),
    ),
  ];
  try {
    const receipt = await commit(rt.store, blankCustomerState(value.customerId), changes);
    await relayCommitted(rt, receipt.outbox);
  } catch (error) {
    // Only an earlier attempt of this very request can hold this id (its events are in the outbox).
    if (!(error instanceof WriteConflictError)) throw error;
  }
}
