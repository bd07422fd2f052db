/**
 * The relationship queue's work, for one message, in one customer partition transaction:
 * - `relationship-request`: a submitted relationship becomes pending (the invitation) or rejected;
 *   in live mode the pending one's invitation is then made in Partner Center (./invitation.ts).
 * - `relationship-answer`: the customer's answer to a pending invitation, together with every
 *   migration that waited on it (resumed on acceptance, rejected on declination or expiry). When that
 *   is too much for one transaction, the answer commits first and the migrations follow, one commit
 *   each; a redelivered answer finishes any still waiting on an answered relationship.
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
  type Migration,
  type MigrationOutcome,
  processRelationshipAnswer,
  type Relationship,
  type RelationshipAnswer,
  type RelationshipOutcome,
  rulesOf,
  SYSTEM_ACTOR,
  toIso,
  transition,
  violation,
} from "../domain/index.js";
import type { CustomerRelationshipMessage } from "../messaging/messages.js";
import {
  changesFit,
  type Change,
  type CustomerState,
  withCustomerPartitionForMessage,
} from "../storage/index.js";
import { offersForMigrations } from "./offers.js";
import { outcomeChanges, relationshipChanges } from "./persist.js";
import { decideOrFail, outcomeNotes } from "./processMigration.js";
import {
  type Decided,
  missingParties,
  type MovedEntity,
  notStored,
  type ProcessingResult,
  subscriptionsOf,
  valuesOf,
} from "./processing.js";
import { addLogFields } from "../telemetry/logFields.js";
import { sendInvitation } from "./invitation.js";
import { carryOutInPartnerCenter } from "./partnerCenterWork.js";
import { relayOrRetry } from "./relay.js";
import { runtime, type Runtime } from "./runtime.js";

type AnswerMessage = Extract<CustomerRelationshipMessage, { type: "relationship-answer" }>;

interface FirstDecision {
  readonly decided: Decided;
  /** Migrations still wait on the (now answered) relationship: settle them in commits of their own. */
  readonly waitersLeft: boolean;
}

export async function processRelationship(
  message: CustomerRelationshipMessage,
  rt: Runtime = runtime(),
): Promise<ProcessingResult> {
  const { customerId, relationshipId } = message;
  const done = await withCustomerPartitionForMessage(
    rt.store,
    customerId,
    async (state): Promise<{ changes: Change[]; result: FirstDecision }> => {
      const stored = state.relationships.get(relationshipId)?.value;
      if (stored === undefined) {
        const verb = message.type === "relationship-request" ? "decide" : "answer";
        const decided = notStored(customerId, "relationship", relationshipId, verb);
        return { changes: [], result: { decided, waitersLeft: false } };
      }
      addLogFields({ partnerId: stored.partnerId });
      return message.type === "relationship-request"
        ? decideRequest(rt, state, stored)
        : decideAnswer(rt, state, stored, message);
    },
  );
  await relayOrRetry(rt, done);
  const first: ProcessingResult = {
    ...done.result.decided,
    attempts: done.attempts,
    writes: done.receipt.operations,
  };
  if (message.type === "relationship-request") {
    // Live mode: a pending relationship's invitation is made in Partner Center (again after a crash).
    const invited = await sendInvitation(rt, customerId, relationshipId);
    return {
      ...first,
      notes: [...first.notes, ...invited.notes],
      warn: first.warn || invited.warn,
      attempts: first.attempts + invited.attempts,
      writes: first.writes + invited.writes,
    };
  }
  const rest = done.result.waitersLeft
    ? await settleWaitingMigrations(rt, customerId, relationshipId)
    : { moved: [], notes: [], warn: false, attempts: 0, writes: 0 };
  // Live mode: what the migrations it resumed buy or transfer is made in Partner Center (once).
  const resumed = (migration: Migration) => migration.relationshipId === relationshipId;
  const ordered = await carryOutInPartnerCenter(rt, customerId, resumed);
  return {
    ...first,
    moved: [...first.moved, ...rest.moved],
    notes: [...first.notes, ...rest.notes, ...ordered.notes],
    warn: first.warn || rest.warn || ordered.warn,
    attempts: first.attempts + rest.attempts + ordered.attempts,
    writes: first.writes + rest.writes + ordered.writes,
  };
}

async function decideRequest(
  rt: Runtime,
  state: CustomerState,
  stored: Relationship,
): Promise<{ changes: Change[]; result: FirstDecision }> {
  if (stored.status !== "submitted") {
    const decided: Decided = {
      customerId: state.customerId,
      moved: [moved(stored, [])],
      notes: [`already ${stored.status}: a redelivered request changes nothing`],
      warn: false,
    };
    return { changes: [], result: { decided, waitersLeft: false } };
  }
  const now = rt.now();
  const [partner, reseller] = await Promise.all([
    rt.reference.partner(stored.partnerId),
    stored.indirectResellerId === undefined ? undefined : rt.reference.partner(stored.indirectResellerId),
  ]);
  const customer = state.customer?.value;
  const outcome =
    partner !== undefined && customer !== undefined
      ? decideRelationshipRequest({
          relationship: stored,
          partner,
          customer,
          reseller,
          relationships: valuesOf(state.relationships),
          now,
          invitationTtlDays: rt.config.INVITATION_TTL_DAYS,
        })
      : rejectForMissingParties(stored, missingParties(stored, partner, customer), now);
  const decided: Decided = {
    customerId: state.customerId,
    moved: [moved(stored, outcome.path)],
    notes: outcome.violations.map((found) => `${found.rule}: ${found.message}`),
    warn: partner === undefined || customer === undefined,
  };
  return { changes: relationshipChanges(outcome), result: { decided, waitersLeft: false } };
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
    history: [
      historyEntry(at, SYSTEM_ACTOR, relationship.status, status, rulesOf(found), joinMessages(found)),
    ],
    violations: found,
  };
}

async function decideAnswer(
  rt: Runtime,
  state: CustomerState,
  stored: Relationship,
  message: AnswerMessage,
): Promise<{ changes: Change[]; result: FirstDecision }> {
  const now = rt.now();
  const objectId =
    message.customerObjectId === undefined ? {} : { customerObjectId: message.customerObjectId };
  const answer: RelationshipAnswer =
    message.answer === "accept"
      ? { decision: "accept", customerUserId: message.customerUserId, ...objectId }
      : {
          decision: "decline",
          customerUserId: message.customerUserId,
          ...objectId,
          ...(message.reason === undefined ? {} : { reason: message.reason }),
        };
  const waiting = waitingOn(state, stored.id);
  if (stored.status !== "pending") {
    // Already answered (a redelivery) or never an open invitation: the rules say why; nothing is written.
    const refused = answerRelationship({ relationship: stored, answer, now });
    const decided: Decided = {
      customerId: state.customerId,
      moved: [moved(stored, [])],
      notes: refused.violations.map((found) => `answer not applied: ${found.rule}: ${found.message}`),
      warn: stored.answeredBy !== message.customerUserId,
    };
    return { changes: [], result: { decided, waitersLeft: waiting.length > 0 } };
  }

  const partner = await rt.reference.partner(stored.partnerId);
  const customer = state.customer?.value;
  const subscriptions = subscriptionsOf(state);
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
      relationships: valuesOf(state.relationships),
      migrations: valuesOf(state.migrations),
      offers: await offersForMigrations(rt.reference, waiting, subscriptions),
      midtermLicenseTransfers: rt.config.MIDTERM_LICENSE_TRANSFERS,
      ordersInPartnerCenter: rt.config.PARTNER_CENTER_MODE === "live",
    });
    relationship = result.relationship;
    resumed = result.migrations;
  } else {
    // The answer is the customer's and stands; the migrations waiting on it cannot be decided.
    relationship = answerRelationship({ relationship: stored, answer, now });
    const reason = `${missing.join("; ")}, then submit the migration again`;
    resumed = relationship.changed ? waiting.map((migration) => failMigration(migration, reason, now)) : [];
  }
  const changes = outcomeChanges(
    {
      relationships: [relationship],
      migrations: resumed,
      subscriptionChanges: resumed.flatMap((outcome) => outcome.subscriptionChanges),
    },
    (id) => subscriptions.get(id),
    { at: toIso(now), by: SYSTEM_ACTOR },
  );
  const notes = [...missing, ...relationship.violations.map((found) => `${found.rule}: ${found.message}`)];
  if (!changesFit(changes)) {
    // The answer alone now; each waiting migration then in a commit of its own.
    const decided: Decided = {
      customerId: state.customerId,
      moved: [moved(stored, relationship.path)],
      notes,
      warn: missing.length > 0,
    };
    return {
      changes: relationshipChanges(relationship),
      result: { decided, waitersLeft: waiting.length > 0 },
    };
  }
  const before = new Map(waiting.map((migration) => [migration.id, migration.status] as const));
  const decided: Decided = {
    customerId: state.customerId,
    moved: [
      moved(stored, relationship.path),
      ...resumed.map((outcome): MovedEntity => ({
        kind: "migration",
        id: outcome.migration.id,
        from: before.get(outcome.migration.id),
        path: outcome.path,
      })),
    ],
    notes: [...notes, ...resumed.flatMap(outcomeNotes)],
    warn: missing.length > 0 || resumed.some((outcome) => outcome.path.includes("failed")),
  };
  return { changes, result: { decided, waitersLeft: false } };
}

/**
 * Decides, one commit each, the migrations still waiting on a relationship that is no longer pending,
 * oldest first. One that stays waiting (its partner has another open invitation) is left alone.
 */
async function settleWaitingMigrations(
  rt: Runtime,
  customerId: string,
  relationshipId: string,
): Promise<Omit<ProcessingResult, "customerId">> {
  const movedAlong: MovedEntity[] = [];
  const notes: string[] = [];
  let attempts = 0;
  let writes = 0;
  let warn = false;
  const tried = new Set<string>();
  for (;;) {
    const done = await withCustomerPartitionForMessage(rt.store, customerId, async (state) => {
      const relationship = state.relationships.get(relationshipId)?.value;
      const next =
        relationship === undefined || relationship.status === "pending"
          ? undefined
          : waitingOn(state, relationshipId).find((migration) => !tried.has(migration.id));
      if (next === undefined) return { changes: [], result: undefined };
      const decided = await decideOrFail(rt, state, next, rt.now());
      return { changes: decided.changes, result: { migration: next, outcome: decided.outcome } };
    });
    await relayOrRetry(rt, done);
    attempts += done.attempts;
    writes += done.receipt.operations;
    if (done.result === undefined) return { moved: movedAlong, notes, warn, attempts, writes };
    const { migration, outcome } = done.result;
    tried.add(migration.id);
    movedAlong.push({ kind: "migration", id: migration.id, from: migration.status, path: outcome.path });
    notes.push(...outcomeNotes(outcome));
    warn ||= outcome.path.includes("failed");
  }
}

/** The migrations waiting on a relationship, oldest first (the order the rules decide them in). */
function waitingOn(state: CustomerState, relationshipId: string): Migration[] {
  return valuesOf(state.migrations)
    .filter(
      (migration) =>
        migration.status === "awaiting-relationship" && migration.relationshipId === relationshipId,
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

function moved(relationship: Relationship, path: readonly string[]): MovedEntity {
  return { kind: "relationship", id: relationship.id, from: relationship.status, path };
}
