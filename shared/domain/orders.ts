/**
 * Live mode: what buying a licence item's subscription in Partner Center takes (MIG-1 step 2) — the
 * cart line of the target offer's catalogue item, quantity = seats — and the MS-RequestId that keeps
 * every retry of it one purchase. Pure: the pipeline (shared/pipeline/orders.ts) makes the calls.
 */
import { createHash } from "node:crypto";

import type { LineItem, Offer, RuleId } from "./model.js";

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
