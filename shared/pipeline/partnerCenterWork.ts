/**
 * Live mode, after a processor's commit: what its migrations provisioned is carried out in Partner
 * Center — licences and Azure plans bought (orders.ts), subscriptions from other CSP partners
 * transferred (transfers.ts) — from one read of the customer's partition for both. The two touch
 * different items, and each answer is recorded by a read-modify-write of its own (lineItemRecord.ts),
 * so the one read serves both.
 */
import type { Migration } from "../domain/index.js";
import { loadCustomerState } from "../storage/index.js";
import { placeOrders } from "./orders.js";
import { combineSteps, NO_STEP, type PartnerCenterStep } from "./partnerCenterStep.js";
import { startTransfers, type TransferRuntime } from "./transfers.js";

export async function carryOutInPartnerCenter(
  rt: TransferRuntime,
  customerId: string,
  select: (migration: Migration) => boolean,
): Promise<PartnerCenterStep> {
  if (rt.partnerCenter === undefined) return NO_STEP;
  const state = await loadCustomerState(rt.store, customerId);
  return combineSteps(await placeOrders(rt, state, select), await startTransfers(rt, state, select));
}
