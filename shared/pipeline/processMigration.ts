/**
 * The migration queue's work, for one message, in one customer partition transaction: a submitted
 * migration is decided (rejected with rule ids, awaiting its relationship, or provisioned and then
 * awaiting term end or completed), with every subscription it creates, transfers or cancels.
 * A migration past that step changes nothing, so a redelivered message writes nothing. A missing
 * partner or customer fails the migration with a reason saying what to PUT, and so does a decision
 * too big for one transaction (see decision.ts); only the unexpected throws.
 */
import type { Migration, MigrationOutcome } from "../domain/index.js";
import type { MigrationMessage } from "../messaging/messages.js";
import type { CustomerState } from "../storage/index.js";
import { decideFromState, gatherDecisionInputs, type Decision } from "./decision.js";
import { type Decided, notStored, type ProcessingResult } from "./processing.js";
import { addLogFields } from "../telemetry/logFields.js";
import { carryOutInPartnerCenter } from "./partnerCenterWork.js";
import { withMessageCommit } from "./relay.js";
import { runtime, type Runtime } from "./runtime.js";

export async function processMigration(
  message: MigrationMessage,
  rt: Runtime = runtime(),
): Promise<ProcessingResult> {
  const { customerId, migrationId } = message;
  // Its events are sent by withMessageCommit before it returns (again from history on a redelivery).
  const subject = { kind: "migration", id: migrationId } as const;
  const done = await withMessageCommit(rt, customerId, [subject], async (state) => {
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
  // Live mode: its licence items and Azure plans are bought in Partner Center, its subscriptions from
  // other CSP partners transferred (again after a crash, never twice).
  const thisOne = (migration: Migration) => migration.id === migrationId;
  const ordered = await carryOutInPartnerCenter(rt, customerId, thisOne);
  // An answer that settled the migration (an immediate cancellation made once its order is recorded) moved it on.
  const [subjectMoved, ...othersMoved] = done.result.moved;
  const moved =
    subjectMoved === undefined || (ordered.path ?? []).length === 0
      ? done.result.moved
      : [{ ...subjectMoved, path: [...subjectMoved.path, ...(ordered.path ?? [])] }, ...othersMoved];
  return {
    ...done.result,
    moved,
    notes: [...done.result.notes, ...ordered.notes],
    warn: done.result.warn || ordered.warn,
    attempts: done.attempts + ordered.attempts,
    writes: done.receipt.operations + ordered.writes,
  };
}

/**
 * Decides a submitted migration, or resumes one awaiting its relationship: the inputs gathered, then
 * the one pure decision (decision.ts) that the readiness check makes too.
 */
export async function decideOrFail(
  rt: Runtime,
  state: CustomerState,
  stored: Migration,
  now: Date,
): Promise<Decision> {
  return decideFromState(await gatherDecisionInputs(rt, state, stored, now));
}

/** The violations and failure reason an outcome records, for the log. */
export function outcomeNotes(outcome: MigrationOutcome): string[] {
  const { violations, failureReason } = outcome.migration;
  return [
    ...violations.map((found) => `${found.rule}: ${found.message}`),
    ...(outcome.path.includes("failed") && failureReason !== undefined ? [failureReason] : []),
  ];
}
