/**
 * The relationship queue's work, for one message, in one customer partition transaction:
 * - `relationship-request`: a submitted relationship becomes pending (the invitation) or rejected.
 * - `relationship-answer`: the customer's answer to a pending invitation, together with every
 *   migration that waited on it (resumed on acceptance, rejected on declination or expiry).
 * A decision on an entity past the step the message asks for changes nothing, so a redelivered
 * message writes nothing. Missing reference data is an outcome, not an error; only the unexpected
 * (storage down, a corrupt row) throws, so the host retries.
 */
import {
  answerRelationship,
  decideRelationshipRequest,
  failMigration,
  historyEntry,
  joinMessages,
  processRelationshipAnswer,
  type Relationship,
  type RelationshipAnswer,
  type RelationshipOutcome,
  rulesOf,
  SYSTEM_ACTOR,
  toIso,
  transition,
  violation,
  type MigrationOutcome,
} from "../domain/index.js";
import type { RelationshipMessage } from "../messaging/messages.js";
import { type CustomerState, withCustomerPartition, type Change } from "../storage/index.js";
import { offersForMigrations } from "./offers.js";
import { outcomeChanges } from "./persist.js";
import { type Decided, missingParties, type MovedEntity, type ProcessingResult } from "./processing.js";
import { runtime, type Runtime } from "./runtime.js";

type AnswerMessage = Extract<RelationshipMessage, { type: "relationship-answer" }>;

export async function processRelationship(
  message: RelationshipMessage,
  rt: Runtime = runtime(),
): Promise<ProcessingResult> {
  const { customerId, relationshipId } = message;
  const done = await withCustomerPartition(rt.store, customerId, async (state) => {
    const stored = state.relationships.get(relationshipId)?.value;
    if (stored === undefined) {
      const decided: Decided = {
        customerId,
        moved: [{ kind: "relationship", id: relationshipId, from: undefined, path: [] }],
        notes: [
          `relationship ${relationshipId} is not stored for customer ${customerId}, so there is nothing to ${message.type === "relationship-request" ? "decide" : "answer"}`,
        ],
        warn: true,
      };
      return { changes: [], result: decided };
    }
    return message.type === "relationship-request"
      ? decideRequest(rt, state, stored)
      : decideAnswer(rt, state, stored, message);
  });
  return { ...done.result, attempts: done.attempts, writes: done.receipt.operations };
}

async function decideRequest(
  rt: Runtime,
  state: CustomerState,
  stored: Relationship,
): Promise<{ changes: Change[]; result: Decided }> {
  if (stored.status !== "submitted") {
    return {
      changes: [],
      result: {
        customerId: state.customerId,
        moved: [moved(stored, [])],
        notes: [`already ${stored.status}: a redelivered request changes nothing`],
        warn: false,
      },
    };
  }
  const now = rt.now();
  const partner = await rt.reference.partner(stored.partnerId);
  const customer = state.customer?.value;
  const outcome =
    partner !== undefined && customer !== undefined
      ? decideRelationshipRequest({
          relationship: stored,
          partner,
          customer,
          relationships: [...state.relationships.values()].map((entry) => entry.value),
          now,
          invitationTtlDays: rt.config.INVITATION_TTL_DAYS,
        })
      : rejectForMissingParties(stored, missingParties(stored, partner, customer), now);
  return {
    changes: outcomeChanges({ relationships: [outcome] }, () => undefined, {
      at: toIso(now),
      by: SYSTEM_ACTOR,
    }),
    result: {
      customerId: state.customerId,
      moved: [moved(stored, outcome.path)],
      notes: outcome.violations.map((found) => `${found.rule}: ${found.message}`),
      warn: false,
    },
  };
}

/**
 * CLOUD-1 (and MC-7) cannot be checked without both parties, so the request is refused under CLOUD-1,
 * saying which record is missing and how to add it.
 */
function rejectForMissingParties(
  relationship: Relationship,
  missing: readonly string[],
  now: Date,
): RelationshipOutcome {
  const at = toIso(now);
  const found = missing.map((reason) =>
    violation(
      "CLOUD-1",
      `${reason}, then request the relationship again; without it the cloud instance cannot be checked`,
    ),
  );
  const status = transition("relationship", relationship.status, "rejected");
  return {
    changed: true,
    relationship: { ...relationship, status, violations: found, updatedAt: at },
    path: [status],
    history: [historyEntry(at, SYSTEM_ACTOR, relationship.status, status, rulesOf(found), joinMessages(found))],
    violations: found,
  };
}

async function decideAnswer(
  rt: Runtime,
  state: CustomerState,
  stored: Relationship,
  message: AnswerMessage,
): Promise<{ changes: Change[]; result: Decided }> {
  const now = rt.now();
  const answer: RelationshipAnswer =
    message.answer === "accept"
      ? { decision: "accept", customerUserId: message.customerUserId }
      : {
          decision: "decline",
          customerUserId: message.customerUserId,
          ...(message.reason === undefined ? {} : { reason: message.reason }),
        };
  if (stored.status !== "pending") {
    // Already answered (a redelivery) or never an open invitation: the rules say why, nothing is written.
    const refused = answerRelationship({ relationship: stored, answer, now });
    return {
      changes: [],
      result: {
        customerId: state.customerId,
        moved: [moved(stored, [])],
        notes: refused.violations.map((found) => `answer not applied: ${found.rule}: ${found.message}`),
        warn: stored.answeredBy !== message.customerUserId,
      },
    };
  }

  const partner = await rt.reference.partner(stored.partnerId);
  const customer = state.customer?.value;
  const migrations = [...state.migrations.values()].map((entry) => entry.value);
  const subscriptions = new Map([...state.subscriptions].map(([id, entry]) => [id, entry.value] as const));
  const waiting = migrations.filter(
    (migration) => migration.status === "awaiting-relationship" && migration.relationshipId === stored.id,
  );
  const missing = missingParties(stored, partner, customer);
  let relationship: RelationshipOutcome;
  let resumed: MigrationOutcome[];
  if (partner !== undefined && customer !== undefined) {
    const result = processRelationshipAnswer({
      relationship: stored,
      answer,
      now,
      partner,
      customer,
      subscriptions: [...subscriptions.values()],
      relationships: [...state.relationships.values()].map((entry) => entry.value),
      migrations,
      offers: await offersForMigrations(rt.reference, waiting, subscriptions),
    });
    relationship = result.relationship;
    resumed = result.migrations;
  } else {
    // The answer is the customer's and stands; the migrations waiting on it cannot be decided.
    relationship = answerRelationship({ relationship: stored, answer, now });
    const reason = `${missing.join("; ")}, then submit the migration again`;
    resumed = relationship.changed ? waiting.map((migration) => failMigration(migration, reason, now)) : [];
  }
  const before = new Map(migrations.map((migration) => [migration.id, migration.status] as const));
  return {
    changes: outcomeChanges(
      {
        relationships: [relationship],
        migrations: resumed,
        subscriptionChanges: resumed.flatMap((outcome) => outcome.subscriptionChanges),
      },
      (id) => subscriptions.get(id),
      { at: toIso(now), by: SYSTEM_ACTOR },
    ),
    result: {
      customerId: state.customerId,
      moved: [
        moved(stored, relationship.path),
        ...resumed.map(
          (outcome): MovedEntity => ({
            kind: "migration",
            id: outcome.migration.id,
            from: before.get(outcome.migration.id),
            path: outcome.path,
          }),
        ),
      ],
      notes: [...missing, ...relationship.violations.map((found) => `${found.rule}: ${found.message}`)],
      warn: missing.length > 0,
    },
  };
}

function moved(relationship: Relationship, path: readonly string[]): MovedEntity {
  return { kind: "relationship", id: relationship.id, from: relationship.status, path };
}
