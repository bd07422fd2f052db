/**
 * The steps a line item takes once it may proceed: provision the partner's subscription (MIG-1 step 2,
 * MC-5, MC-6), then retire the original when its cancellation is due (MIG-1 step 3, MIG-2).
 * Shared by the migration decision and the nightly sweep.
 */
import { createHash } from "node:crypto";

import { transition } from "./lifecycle.js";
import type { IsoTime, LineItem, RuleId, Subscription } from "./model.js";
import type { SubscriptionChange } from "./outcomes.js";
import { isAtOrBefore, sameTermLengthFrom, toMillis } from "./time.js";
import { originalRetirement } from "./orders.js";
import { isTransferPath, pendingTransfer } from "./transfers.js";

export interface ProvisioningContext {
  migrationId: string;
  partnerId: string;
  now: IsoTime;
  /**
   * Live mode: a licence item's subscription or a new Azure plan is then bought in Partner Center
   * (execution `ordering`), a subscription from another CSP partner transferred (`transferring`).
   */
  ordersInPartnerCenter?: boolean;
}

export interface ItemStep {
  item: LineItem;
  changes: SubscriptionChange[];
}

/** The id of the CSP subscription a migration creates for an original: the same on every retry. */
export function newSubscriptionId(migrationId: string, originalSubscriptionId: string): string {
  const digest = createHash("sha256").update(`${migrationId}\u0000${originalSubscriptionId}`).digest("hex");
  return `csp-${digest.slice(0, 40)}`;
}

/**
 * When the item next needs the sweep: its deferred provisioning time while planned, its original's
 * cancellation time while provisioned; null when nothing is left to do (or it is not yet decided).
 */
export function lineItemDueAt(item: LineItem): IsoTime | null {
  if (item.status === "planned") return item.provisionAt ?? null;
  if (item.status === "provisioned") return item.cancelAt;
  return null;
}

/**
 * Nothing is left to do for the item: rejected, original retired, or provisioned with the original
 * kept or transferred — in live mode only once Partner Center has answered the purchase, or says
 * the transfer is complete or failed.
 */
export function isLineItemSettled(item: LineItem): boolean {
  return (
    item.status !== "planned" &&
    lineItemDueAt(item) === null &&
    item.execution !== "transferring" &&
    item.execution !== "ordering"
  );
}

/** Provisioned in live mode, and Partner Center did not carry it out (the purchase or the transfer failed). */
export function failedInPartnerCenter(item: LineItem): boolean {
  return item.execution === "order-failed" || item.execution === "transfer-failed";
}

/** MIG-2: cancelling before the term end gives no refund; null when the term has already ended. */
export function refundNoteFor(original: Subscription, now: IsoTime): string | null {
  if (toMillis(original.termEnd) <= toMillis(now)) return null;
  return `Cancelled at ${now}, before its term end ${original.termEnd}: a cancelled subscription gives no refund (MIG-2)`;
}

/**
 * planned → provisioned, then the original retired at once if its cancellation is due (MIG-2) and
 * its replacement exists: in live mode not before Partner Center's order is recorded (MIG-9), in the
 * same write that records it (applyPartnerCenterAnswer).
 */
export function provisionItem(
  item: LineItem,
  original: Subscription,
  context: ProvisioningContext,
): ItemStep {
  const provisioned = provideReplacement(item, original, context);
  if (originalRetirement(provisioned.item).kind !== "retire") return provisioned;
  const retired = retireOriginalIfDue(provisioned.item, original, context);
  return { item: retired.item, changes: [...provisioned.changes, ...retired.changes] };
}

/**
 * planned → provisioned: creates the partner's CSP subscription, or transfers the original (MC-6);
 * the original is left as it is (the sweep retires it separately, once the replacement is ordered).
 */
export function provideReplacement(
  item: LineItem,
  original: Subscription,
  context: ProvisioningContext,
): ItemStep {
  const { migrationId, partnerId, now } = context;
  const status = transition("lineItem", item.status, "provisioned");
  if (item.path === null) {
    throw new Error(
      `Line item for subscription ${item.subscriptionId} has no path and cannot be provisioned`,
    );
  }
  const origin = { migrationId, originalSubscriptionId: original.id };
  let partnerSubscription: Subscription;
  let change: SubscriptionChange;
  if (item.path === "azure-switch-partner" || item.path === "license-transfer") {
    // MC-6: a usage subscription from another CSP partner is transferred, not re-bought or cancelled;
    // MC-3 (setting MIDTERM_LICENSE_TRANSFERS): so is a licence one, mid-term.
    partnerSubscription = { ...original, partnerOfRecord: partnerId };
    const rules: RuleId[] = item.path === "license-transfer" ? ["MC-3"] : ["MC-6"];
    change = { change: "transferred", subscription: partnerSubscription, ...origin, rules };
  } else {
    partnerSubscription = {
      id: newSubscriptionId(migrationId, original.id),
      customerId: original.customerId,
      offerId: item.targetOfferId ?? original.offerId,
      kind: original.kind,
      channel: "csp",
      partnerOfRecord: partnerId,
      ...(item.targetSeats === null ? {} : { seats: item.targetSeats }),
      termStart: now,
      termEnd: sameTermLengthFrom(now, original.termStart, original.termEnd),
      billingCycle: original.billingCycle,
      status: "active",
      purchasedVia: "partner-center",
    };
    // MIG-1 step 2 (license: e.g. the same offer); MC-5 (usage: a new Azure subscription in CSP).
    const rules: RuleId[] = item.path === "license-move" ? ["MIG-1"] : ["MC-5"];
    change = { change: "created", subscription: partnerSubscription, ...origin, rules };
  }
  const immediately = item.cancelOriginal === "immediately";
  const provisioned: LineItem = {
    ...item,
    status,
    provisionAt: now,
    newSubscriptionId: partnerSubscription.id,
    // Live mode buys (shared/pipeline/orders.ts) or transfers (shared/pipeline/transfers.ts) after
    // this commits; in records mode this is a record of what the partner does in Partner Center.
    ...liveExecution(item, original, context),
    // MIG-2: an immediate cancellation is due now, and is never refunded; it happens once the
    // replacement exists (in live mode, once its order is recorded: MIG-9).
    cancelAt: immediately ? now : item.cancelAt,
    refundNote: immediately ? refundNoteFor(original, now) : item.refundNote,
  };
  return { item: provisioned, changes: [change] };
}

/** How a provisioned item is carried out: in live mode bought or transferred, else recorded. */
function liveExecution(
  item: LineItem,
  original: Subscription,
  context: ProvisioningContext,
): Pick<LineItem, "execution" | "transfer"> {
  if (context.ordersInPartnerCenter !== true || item.path === null) return { execution: "recorded" };
  if (isTransferPath(item.path)) {
    return { execution: "transferring", transfer: pendingTransfer(item.path, original, context.migrationId) };
  }
  // MIG-1 (a licence) and MC-5 (a new Azure plan) are bought with a cart.
  return { execution: "ordering" };
}

/**
 * provisioned → original-cancelled | original-expired once the cancellation time has come (MIG-1 step 3).
 * The original is only touched while it is still running, so a re-run never rewrites it.
 */
export function retireOriginalIfDue(
  item: LineItem,
  original: Subscription | undefined,
  context: ProvisioningContext,
): ItemStep {
  if (item.status !== "provisioned" || item.cancelAt === null || !isAtOrBefore(item.cancelAt, context.now)) {
    return { item, changes: [] };
  }
  const cancelled = item.cancelOriginal === "immediately";
  const status = transition("lineItem", item.status, cancelled ? "original-cancelled" : "original-expired");
  const changes: SubscriptionChange[] = [];
  if (original !== undefined && (original.status === "active" || original.status === "suspended")) {
    changes.push({
      change: cancelled ? "cancelled" : "expired",
      subscription: { ...original, status: cancelled ? "cancelled" : "expired" },
      migrationId: context.migrationId,
      originalSubscriptionId: original.id,
      rules: ["MIG-1", "MIG-2"],
    });
  }
  return { item: { ...item, status }, changes };
}
