/**
 * Live mode: what buying a licence item's subscription in Partner Center takes (MIG-1 step 2) — the
 * cart line of the target offer's catalogue item, quantity = seats — and the MS-RequestId that keeps
 * every retry of it one purchase; and when the original may go (MIG-9). Pure: the pipeline
 * (shared/pipeline/orders.ts) makes the calls.
 */
import { createHash } from "node:crypto";

import type { LineItem, Offer, RuleId } from "./model.js";

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
      readonly termDuration: string;
      readonly billingCycle: string;
    }
  | { readonly kind: "cannot"; readonly rule: RuleId; readonly message: string };

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
  const hex = createHash("sha256")
    .update(`order\u0000${migrationId}\u0000${originalSubscriptionId}`)
    .digest("hex");
  // RFC 9562 layout, version 8 (custom) and the RFC variant.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The cart line for an item, or why it cannot be bought (the offer is not one Partner Center sells as named). */
export function planOrder(item: LineItem, offer: Offer | undefined): OrderPlan {
  const offerId = item.targetOfferId ?? "(none)";
  if (offer?.partnerCenter === undefined) {
    return {
      kind: "cannot",
      rule: "MIG-1",
      message: `Offer ${offerId} has no Partner Center catalog item (partnerCenter.catalogItemId, termDuration, billingCycle): the subscription cannot be bought; PUT the offer with them`,
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
 * MIG-9 (live mode): an original is retired only once its replacement is ordered in Partner Center.
 * Items carried out as a record (records mode, or nothing to buy) and items already ordered may go.
 */
export function originalRetirement(item: LineItem): OriginalRetirement {
  const original = item.subscriptionId;
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
