/**
 * Writes what Partner Center answered (an order, a transfer) onto one line item, in its customer's
 * partition, only while `still` holds for the stored item: a racing delivery that recorded first
 * stands, and this write becomes nothing.
 */
import type { LineItem } from "../domain/index.js";
import { toIso } from "../domain/time.js";
import { put, withCustomerPartition } from "../storage/index.js";
import type { Runtime } from "./runtime.js";

export interface LineItemRecorded {
  readonly done: boolean;
  readonly attempts: number;
  readonly writes: number;
}

export async function recordOnLineItem(
  rt: Pick<Runtime, "store" | "now">,
  at: { readonly customerId: string; readonly migrationId: string; readonly subscriptionId: string },
  still: (item: LineItem) => boolean,
  outcome: Partial<LineItem>,
): Promise<LineItemRecorded> {
  const updatedAt = toIso(rt.now());
  const done = await withCustomerPartition(rt.store, at.customerId, (state) => {
    const current = state.migrations.get(at.migrationId)?.value;
    const item = current?.items.find((candidate) => candidate.subscriptionId === at.subscriptionId);
    if (current === undefined || item === undefined || !still(item)) {
      return Promise.resolve({ changes: [], result: false });
    }
    const items = current.items.map((candidate) =>
      candidate === item ? { ...candidate, ...outcome } : candidate,
    );
    return Promise.resolve({ changes: [put.migration({ ...current, items, updatedAt })], result: true });
  });
  return { done: done.result, attempts: done.attempts, writes: done.receipt.operations };
}
