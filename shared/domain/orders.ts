/**
 * Live mode: what buying a licence item's subscription in Partner Center takes (MIG-1 step 2) — the
 * cart line of the target offer's catalogue item, quantity = seats — or a new Azure plan (MC-5: the
 * Azure offer's catalogue item, quantity 1, billed one-time as Partner Center sells Azure plans, no
 * term), and the MS-RequestId that keeps every retry of it one purchase. Pure: the pipeline (shared/pipeline/orders.ts) makes the calls.
 */
import type { LineItem, Offer, RuleId } from "./model.js";
import { fixedRequestId } from "./requestIds.js";

export type OrderPlan =
  | {
      readonly kind: "buy";
      readonly catalogItemId: string;
      readonly quantity: number;
      /** Absent for an Azure plan, which has no term. */
      readonly termDuration?: string;
      readonly billingCycle: string;
    }
  | { readonly kind: "cannot"; readonly rule: RuleId; readonly message: string };

/** Partner Center's billing cycle for an Azure plan: usage is billed as it comes, the plan itself once. */
export const AZURE_PLAN_BILLING_CYCLE = "one_time";

/** Still to be bought: provisioned in live mode, its checkout not yet recorded. */
export function awaitsOrder(item: LineItem): boolean {
  return item.execution === "ordering";
}

/**
 * The MS-RequestId of a line item's cart and checkout: a UUID from the migration and the original
 * subscription, so a redelivery — or a crash after checkout and before the table write — asks again
 * with the same id and Partner Center answers the same cart and order.
 */
export function orderRequestId(migrationId: string, originalSubscriptionId: string): string {
  return fixedRequestId("order", migrationId, originalSubscriptionId);
}

/** The cart line for an item, or why it cannot be bought (the offer is not one Partner Center sells as named). */
export function planOrder(item: LineItem, offer: Offer | undefined): OrderPlan {
  const offerId = item.targetOfferId ?? "(none)";
  if (offer?.partnerCenter === undefined) {
    return {
      kind: "cannot",
      rule: item.path === "azure-new-subscription" ? "MC-5" : "MIG-1",
      message: `Offer ${offerId} has no Partner Center catalog item (partnerCenter.catalogItemId, termDuration, billingCycle): the subscription cannot be bought; PUT the offer with them`,
    };
  }
  if (item.path === "azure-new-subscription") {
    // MC-5: one Azure plan; its usage is billed as it comes, so no seats, term or billing cycle of the offer's.
    return {
      kind: "buy",
      catalogItemId: offer.partnerCenter.catalogItemId,
      quantity: 1,
      billingCycle: AZURE_PLAN_BILLING_CYCLE,
    };
  }
  if (item.targetSeats === null || item.targetSeats < 1) {
    return {
      kind: "cannot",
      rule: "MIG-1",
      message: `A licence item needs at least one seat to be bought; ${String(item.targetSeats)} asked`,
    };
  }
  const { catalogItemId, termDuration, billingCycle } = offer.partnerCenter;
  return { kind: "buy", catalogItemId, quantity: item.targetSeats, termDuration, billingCycle };
}
