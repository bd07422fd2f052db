/**
 * Taking a request that creates a relationship or a migration: stored as `submitted` in its
 * customer's partition together with its Idempotency-Key claim (one transaction), then queued,
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
import { acceptedResponse, fromStored } from "../http/respond.js";
import type { MigrationMessage, RelationshipMessage } from "../messaging/messages.js";
import { appendHistory, hashRequest, put, takeSubmissionOnce, type Change } from "../storage/index.js";
import { addLogFields, logFieldsOf } from "../telemetry/logFields.js";
import { keyRefused, requestIdFor } from "./intake.js";
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
 * Takes a submission exactly once, in one round trip on the happy path: the Idempotency-Key claim,
 * the `submitted` entity and its history are one transaction in the customer's partition
 * (storage submissionClaim.ts), then the message is sent and 202 answered. The id is derived from
 * the caller, the key and the request and names the customer, so every retry of one request makes
 * the same id and Service Bus's duplicate detection drops a second send. The HTTP routes call it
 * after their checks; a bulk migration calls it for each of its customers, with a key derived from
 * the batch, so a redelivered chunk submits nothing twice.
 */
export async function takeSubmission(
  rt: Runtime,
  intake: SubmissionIntake,
  queue: QueueName,
  submission: Submission,
): Promise<HttpResponseInit> {
  const { idPrefix, path } = WHERE[submission.kind];
  const requestHash = hashRequest({ method: intake.method, route: intake.path, body: intake.raw });
  const id = requestIdFor({ ...intake, idPrefix }, requestHash);
  const response = acceptedResponse(id, "submitted", `/api/${path}/${id}`);
  const send = () => {
    const message = submission.message(id);
    addLogFields(logFieldsOf(message));
    return rt.send(queue, message);
  };
  const claim = {
    scope: intake.scope,
    key: intake.key,
    requestHash,
    customerId: intake.customerId,
    entity: { kind: submission.kind, id },
    response,
  };
  const taken = await takeSubmissionOnce(rt.store, claim, submittedChanges(submission, id), {
    now: rt.now(),
  });
  switch (taken.kind) {
    case "mismatch":
    case "in-flight":
      return keyRefused(taken.kind, intake.key);
    case "replay":
      if (taken.resend) await send();
      return fromStored(taken.response);
    case "new":
      break;
  }
  // Should the send fail, the request stays stored and claimed: its retry sends it (a replay resends).
  // The processor this message reaches relays the submission's events (relay.ts relayOrRetry).
  await send();
  return fromStored(response);
}

function submittedChanges(submission: Submission, id: string): Change[] {
  const value = submission.entity(id);
  return [
    submission.kind === "relationship"
      ? put.relationship(submission.entity(id))
      : put.migration(submission.entity(id)),
    appendHistory(
      { kind: submission.kind, id },
      historyEntry(value.createdAt, value.requestedBy.userId, null, "submitted", []),
    ),
  ];
}
