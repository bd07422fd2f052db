/**
 * Live mode: what buying a licence item's subscription in Partner Center takes (MIG-1 step 2) — the
 * cart line of the target offer's catalogue item, quantity = seats — or a new Azure plan (MC-5: the
 * Azure offer's catalogue item, quantity 1, billed one-time as Partner Center sells Azure plans, no
 * term), and the MS-RequestId that keeps every retry of it one purchase; and when the original may
 * go (MIG-9). Pure: the pipeline (shared/pipeline/orders.ts) makes the calls.
 */
import type { LineItem, Offer, RuleId } from "./model.js";
import { fixedRequestId } from "./requestIds.js";

/**
 * MIG-9: whether a line item's original may be retired (cancelled or expired) now that its time has
 * come. `wait`: its replacement is still being bought; `keep`: Partner Center did not sell the
 * replacement, so the original stays and the customer keeps service.
 */
export type OriginalRetirement =
  | { readonly kind: "retire" }
  | { readonly kind: "wait" | "keep"; readonly rule: RuleId; readonly reason: string };

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

/**
 * MIG-9 (live mode): an original is retired only once its replacement is ordered (or its transfer
 * complete) in Partner Center. Items carried out as a record (records mode, or nothing to buy) and
 * items already ordered or transferred may go.
 */
export function originalRetirement(item: LineItem): OriginalRetirement {
  const original = item.subscriptionId;
  if (item.execution === "transferring") {
    return {
      kind: "wait",
      rule: "MIG-9",
      reason: `Subscription ${original} is still being transferred in Partner Center; the original stays until the transfer is complete`,
    };
  }
  if (item.execution === "transfer-failed") {
    const why = item.transferError?.message ?? "no reason was recorded";
    return {
      kind: "keep",
      rule: "MIG-9",
      reason: `Subscription ${original} was not transferred (${why}); the original is kept, so the customer keeps service`,
    };
  }
  if (item.execution === "ordering") {
    return {
      kind: "wait",
      rule: "MIG-9",
      reason: `The replacement of subscription ${original} is still being ordered in Partner Center; the original stays until it is ordered`,
    };
  }
  if (item.execution === "order-failed") {
    const why = item.orderError?.message ?? "no reason was recorded";
    return {
      kind: "keep",
      rule: "MIG-9",
      reason: `The replacement of subscription ${original} was not bought (${why}); the original is kept, so the customer keeps service`,
    };
  }
  return { kind: "retire" };
}
