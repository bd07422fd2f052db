/**
 * Taking a request that creates a relationship or a migration: stored as `submitted` in its
 * customer's partition (insert-only, so a retry with the same id finds it there), then queued,
 * then answered 202 with where to poll.
 */
import type { HttpResponseInit } from "@azure/functions";

import { historyEntry, type Migration, type Relationship } from "../domain/index.js";
import { acceptedResponse } from "../http/respond.js";
import type { MigrationMessage, RelationshipMessage } from "../messaging/messages.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  getEntity,
  put,
  WriteConflictError,
  type TableStore,
} from "../storage/index.js";
import { acceptOnce, type IntakeRequest } from "./intake.js";
import type { QueueName, Runtime } from "./runtime.js";

type Submission =
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

export function acceptSubmission(
  rt: Runtime,
  request: Omit<IntakeRequest, "idPrefix">,
  customerId: string,
  queue: QueueName,
  submission: Submission,
): Promise<HttpResponseInit> {
  const { idPrefix, path } = WHERE[submission.kind];
  const send = (id: string) => rt.send(queue, submission.message(id));
  return acceptOnce(
    rt,
    { ...request, idPrefix },
    {
      answer: (id) => acceptedResponse(id, "submitted", `/api/${path}/${id}`),
      store: (id) => storeSubmitted(rt.store, submission, id),
      send,
      confirm: async (id) => {
        const found = await getEntity(rt.store, submission.kind, customerId, id);
        // Stored but still submitted: perhaps never sent; duplicate detection drops a repeat.
        if (found?.value.status === "submitted") await send(id);
        return found !== undefined;
      },
    },
  );
}

async function storeSubmitted(store: TableStore, submission: Submission, id: string): Promise<void> {
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
    await commit(store, blankCustomerState(value.customerId), changes);
  } catch (error) {
    // Only an earlier attempt of this very request can hold this id.
    if (!(error instanceof WriteConflictError)) throw error;
  }
}
