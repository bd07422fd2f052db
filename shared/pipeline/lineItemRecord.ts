/**
 * Writes what Partner Center answered (an order, a transfer's progress) onto one line item, in its
 * customer's partition, only while `still` holds for the stored item: a racing delivery that
 * recorded first stands, and this write becomes nothing. In the same unit of work the rules move on
 * what the answer settles (applyPartnerCenterAnswer): an original whose immediate cancellation waited
 * for its replacement is retired, and a migration whose last transfer ended reaches its final status,
 * with its history and events. So a crash leaves either both or neither.
 */
import {
  applyPartnerCenterAnswer,
  type LineItem,
  type MigrationStatus,
  SYSTEM_ACTOR,
} from "../domain/index.js";
import { toIso } from "../domain/time.js";
import { withCustomerPartition } from "../storage/index.js";
import { outcomeChanges } from "./persist.js";
import { relayCommitted } from "./relay.js";
import type { Runtime } from "./runtime.js";

export interface LineItemRecorded {
  readonly done: boolean;
  /** The statuses the migration entered with it (its final one, once its last item settled). */
  readonly path: readonly MigrationStatus[];
  readonly attempts: number;
  readonly writes: number;
}

/** Without `sendEvents` (the sweep's buying) the events committed wait for the relay timer. */
export type RecordRuntime = Pick<Runtime, "store" | "now"> & Partial<Pick<Runtime, "sendEvents">>;

export async function recordOnLineItem(
  rt: RecordRuntime,
  at: { readonly customerId: string; readonly migrationId: string; readonly subscriptionId: string },
  still: (item: LineItem) => boolean,
  outcome: Partial<LineItem>,
): Promise<LineItemRecorded> {
  const now = toIso(rt.now());
  const done = await withCustomerPartition(rt.store, at.customerId, (state) => {
    const current = state.migrations.get(at.migrationId)?.value;
    const item = current?.items.find((candidate) => candidate.subscriptionId === at.subscriptionId);
    if (current === undefined || item === undefined || !still(item)) {
      return Promise.resolve({ changes: [], result: { done: false, path: [] } });
    }
    const original = state.subscriptions.get(at.subscriptionId)?.value;
    const answered = applyPartnerCenterAnswer(current, at.subscriptionId, outcome, original, now);
    const changes = outcomeChanges(
      { migrations: [answered], subscriptionChanges: answered.subscriptionChanges },
      (id) => state.subscriptions.get(id)?.value,
      { at: now, by: SYSTEM_ACTOR },
    );
    return Promise.resolve({ changes, result: { done: true, path: answered.path } });
  });
  if (rt.sendEvents !== undefined) {
    await relayCommitted({ store: rt.store, sendEvents: rt.sendEvents }, done.receipt.outbox);
  }
  return { ...done.result, attempts: done.attempts, writes: done.receipt.operations };
}
