/**
 * The migration queue's work, for one message, in one customer partition transaction: a submitted
 * migration is decided (rejected with rule ids, awaiting its relationship, or provisioned and then
 * awaiting term end or completed), with every subscription it creates, transfers or cancels.
 * A migration past that step changes nothing, so a redelivered message writes nothing. A missing
 * partner or customer fails the migration with a reason saying what to PUT; only the unexpected throws.
 */
import { decideMigration, failMigration, SYSTEM_ACTOR, toIso } from "../domain/index.js";
import type { MigrationMessage } from "../messaging/messages.js";
import { withCustomerPartition } from "../storage/index.js";
import { offersForMigrations } from "./offers.js";
import { outcomeChanges } from "./persist.js";
import { type Decided, missingParties, type ProcessingResult } from "./processing.js";
import { runtime, type Runtime } from "./runtime.js";

export async function processMigration(
  message: MigrationMessage,
  rt: Runtime = runtime(),
): Promise<ProcessingResult> {
  const { customerId, migrationId } = message;
  const done = await withCustomerPartition(rt.store, customerId, async (state) => {
    const stored = state.migrations.get(migrationId)?.value;
    if (stored === undefined) {
      const decided: Decided = {
        customerId,
        moved: [{ kind: "migration", id: migrationId, from: undefined, path: [] }],
        notes: [`migration ${migrationId} is not stored for customer ${customerId}, so there is nothing to decide`],
        warn: true,
      };
      return { changes: [], result: decided };
    }
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

    const now = rt.now();
    const partner = await rt.reference.partner(stored.partnerId);
    const customer = state.customer?.value;
    const subscriptions = new Map([...state.subscriptions].map(([id, entry]) => [id, entry.value] as const));
    const missing = missingParties(stored, partner, customer);
    const outcome =
      partner !== undefined && customer !== undefined
        ? decideMigration({
            migration: stored,
            partner,
            customer,
            subscriptions: [...subscriptions.values()],
            offers: await offersForMigrations(rt.reference, [stored], subscriptions),
            relationships: [...state.relationships.values()].map((entry) => entry.value),
            otherMigrations: [...state.migrations.values()].map((entry) => entry.value),
            now,
          })
        : failMigration(stored, `${missing.join("; ")}, then submit the migration again`, now);
    if (!outcome.changed) return unchanged(`still ${stored.status}`);
    const result: Decided = {
      customerId,
      moved: [{ kind: "migration", id: stored.id, from: stored.status, path: outcome.path }],
      notes: [
        ...missing,
        ...outcome.migration.violations.map((found) => `${found.rule}: ${found.message}`),
      ],
      warn: missing.length > 0,
    };
    return {
      changes: outcomeChanges(
        { migrations: [outcome], subscriptionChanges: outcome.subscriptionChanges },
        (id) => subscriptions.get(id),
        { at: toIso(now), by: SYSTEM_ACTOR },
      ),
      result,
    };
  });
  return { ...done.result, attempts: done.attempts, writes: done.receipt.operations };
}
