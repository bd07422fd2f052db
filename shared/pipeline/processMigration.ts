/**
 * The migration queue's work, for one message, in one customer partition transaction: a submitted
 * migration is decided (rejected with rule ids, awaiting its relationship, or provisioned and then
 * awaiting term end or completed), with every subscription it creates, transfers or cancels.
 * A migration past that step changes nothing, so a redelivered message writes nothing. A missing
 * partner or customer fails the migration with a reason saying what to PUT, and so does a decision
 * too big for one transaction (see decideOrFail); only the unexpected throws.
 */
import {
  decideMigration,
  failMigration,
  type Migration,
  type MigrationOutcome,
  SYSTEM_ACTOR,
  toIso,
} from "../domain/index.js";
import type { MigrationMessage } from "../messaging/messages.js";
import { type Change, type CustomerState, withCustomerPartition } from "../storage/index.js";
import { COMMIT_LIMITS, fitsOneCommit } from "./commitLimits.js";
import { offersForMigrations } from "./offers.js";
import { outcomeChanges } from "./persist.js";
import {
  type Decided,
  missingParties,
  notStored,
  type ProcessingResult,
  subscriptionsOf,
  valuesOf,
} from "./processing.js";
import { addLogFields } from "../telemetry/logFields.js";
import { runtime, type Runtime } from "./runtime.js";

export async function processMigration(
  message: MigrationMessage,
  rt: Runtime = runtime(),
): Promise<ProcessingResult> {
  const { customerId, migrationId } = message;
  const done = await withCustomerPartition(rt.store, customerId, async (state) => {
    const stored = state.migrations.get(migrationId)?.value;
    if (stored === undefined) {
      return { changes: [], result: notStored(customerId, "migration", migrationId, "decide") };
    }
    addLogFields({ partnerId: stored.partnerId });
    const unchanged = (note: string): { changes: []; result: Decided } => ({
      changes: [],
      result: {
        customerId,
        moved: [{ kind: "migration", id: stored.id, from: stored.status, path: [] }],
        notes: [note],
        warn: false,
      },
    });
    if (stored.status !== "submitted" && stored.status !== "awaiting-relationship") {
      return unchanged(`already ${stored.status}: a redelivered request changes nothing`);
    }

    const decided = await decideOrFail(rt, state, stored, rt.now());
    if (!decided.outcome.changed) return unchanged(`still ${stored.status}`);
    const result: Decided = {
      customerId,
      moved: [{ kind: "migration", id: stored.id, from: stored.status, path: decided.outcome.path }],
      notes: outcomeNotes(decided.outcome),
      warn: decided.outcome.migration.status === "failed",
    };
    return { changes: decided.changes, result };
  });
  return { ...done.result, attempts: done.attempts, writes: done.receipt.operations };
}

/**
 * Decides a submitted migration, or resumes one awaiting its relationship, with its partner (from the
 * reference cache) and customer (from the state). Without either, or when the decision would not fit
 * one transaction, the migration fails with a reason saying what to do.
 */
export async function decideOrFail(
  rt: Runtime,
  state: CustomerState,
  stored: Migration,
  now: Date,
): Promise<{ outcome: MigrationOutcome; changes: Change[] }> {
  const partner = await rt.reference.partner(stored.partnerId);
  const customer = state.customer?.value;
  const subscriptions = subscriptionsOf(state);
  const toChanges = (outcome: MigrationOutcome): Change[] =>
    outcomeChanges(
      { migrations: [outcome], subscriptionChanges: outcome.subscriptionChanges },
      (id) => subscriptions.get(id),
      { at: toIso(now), by: SYSTEM_ACTOR },
    );
  const fail = (reason: string) => {
    const outcome = failMigration(stored, reason, now);
    return { outcome, changes: toChanges(outcome) };
  };
  const missing = missingParties(stored, partner, customer);
  if (partner === undefined || customer === undefined) {
    return fail(`${missing.join("; ")}, then submit the migration again`);
  }
  const outcome = decideMigration({
    migration: stored,
    partner,
    customer,
    subscriptions: [...subscriptions.values()],
    offers: await offersForMigrations(rt.reference, [stored], subscriptions),
    relationships: valuesOf(state.relationships),
    otherMigrations: valuesOf(state.migrations),
    now,
  });
  const changes = toChanges(outcome);
  if (fitsOneCommit(changes)) return { outcome, changes };
  // Every step of every item is a history row; past one transaction the decision cannot be stored whole.
  return fail(
    `Deciding its ${stored.request.length} line items takes ${changes.length} writes, more than one transaction holds (${COMMIT_LIMITS.operations}); submit the items as several smaller migrations`,
  );
}

/** The violations and failure reason an outcome records, for the log. */
export function outcomeNotes(outcome: MigrationOutcome): string[] {
  const { violations, failureReason } = outcome.migration;
  return [
    ...violations.map((found) => `${found.rule}: ${found.message}`),
    ...(outcome.path.includes("failed") && failureReason !== undefined ? [failureReason] : []),
  ];
}
