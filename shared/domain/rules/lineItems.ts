/**
 * Planning one line item of a migration: which path it takes, which offer and seats it gets, when
 * its original goes, and every rule it breaks. Pure: the caller supplies the customer's state.
 */
import type {
  CreditEligibility,
  Customer,
  IsoTime,
  LineItem,
  Migration,
  MigrationItemRequest,
  MigrationPath,
  Offer,
  Partner,
  Subscription,
  Violation,
} from "../model.js";
import { toMillis } from "../time.js";
import { violation } from "../violations.js";

export interface ItemPlanningContext {
  partner: Partner;
  customer: Customer;
  /** The customer's subscriptions. */
  subscriptions: readonly Subscription[];
  /** The catalogue entries the items may refer to, by id. */
  offers: ReadonlyMap<string, Offer>;
  /** Subscription id → the customer's OTHER open migrations that hold it in a non-rejected item. */
  claims: ReadonlyMap<string, readonly Migration[]>;
  /** Whether the relationship the migration runs under grants delegated admin (MIG-3). */
  delegatedAdmin: boolean;
  /** MC-3: setting MIDTERM_LICENSE_TRANSFERS — a licence from another CSP partner may move mid-term by transfer. */
  midtermLicenseTransfers: boolean;
  now: IsoTime;
}

/** How an original moves, from its kind and channel (MIG, MC-5, MC-6). */
export function migrationPathFor(subscription: Subscription): MigrationPath {
  if (subscription.kind === "license") return "license-move";
  // MC-6: usage-based services from another CSP partner are switched (transferred).
  if (subscription.channel === "csp") return "azure-switch-partner";
  // MC-5: usage-based services from other channels get a new Azure subscription in CSP.
  return "azure-new-subscription";
}

/**
 * MC-3: a licence-based subscription another CSP partner holds, with its term still ahead, that the
 * request does not ask to wait for (startAt "term-end").
 */
function isMidtermFromOtherCsp(
  request: MigrationItemRequest,
  subscription: Subscription,
  partnerId: string,
  now: IsoTime,
): boolean {
  const termAhead = toMillis(subscription.termEnd) > toMillis(now);
  return (
    subscription.kind === "license" &&
    subscription.channel === "csp" &&
    subscription.partnerOfRecord !== partnerId &&
    termAhead &&
    request.startAt !== "term-end"
  );
}

/** MIG-3: direct M365-admin-portal purchases billed monthly or annually may earn a credit from M365 billing support. */
export function creditEligibilityFor(subscription: Subscription, delegatedAdmin: boolean): CreditEligibility {
  const directFromPortal =
    subscription.channel === "direct" &&
    subscription.purchasedVia === "m365-admin-portal" &&
    (subscription.billingCycle === "monthly" || subscription.billingCycle === "annual");
  if (!directFromPortal) return "not-eligible";
  // With delegated admin privileges the partner may contact support for the customer.
  return delegatedAdmin ? "partner-may-request" : "customer-must-request";
}

/** An item that cannot proceed: nothing is scheduled for it. */
export function rejectLineItem(item: LineItem, extra: readonly Violation[] = []): LineItem {
  return {
    ...item,
    status: "rejected",
    cancelAt: null,
    refundNote: null,
    provisionAt: null,
    newSubscriptionId: null,
    creditEligibility: "not-eligible",
    violations: [...item.violations, ...extra],
  };
}

/** Plans one requested item: `planned` with its schedule, or `rejected` with every violation found. */
export function planLineItem(request: MigrationItemRequest, context: ItemPlanningContext): LineItem {
  const { partner, customer, now } = context;
  const subscription = context.subscriptions.find(
    (candidate) => candidate.id === request.subscriptionId && candidate.customerId === customer.id,
  );
  if (subscription === undefined) {
    // MC-1 (inference): multi-channel support and migration apply to subscriptions the customer
    // already has; an id that is not one of them has nothing to support or move.
    return rejectLineItem(unknownItem(request), [
      violation(
        "MC-1",
        `Subscription ${request.subscriptionId} is not one of customer ${customer.id}'s subscriptions`,
      ),
    ]);
  }

  // MC-3 since Partner Center's 2024 change (when the setting is on): transferred mid-term, not refused.
  const path =
    context.midtermLicenseTransfers && isMidtermFromOtherCsp(request, subscription, partner.id, now)
      ? "license-transfer"
      : migrationPathFor(subscription);
  const found: Violation[] = [
    ...scopeViolations(subscription, context),
    ...cancellationViolations(request, subscription, path, partner.id, now),
  ];
  const target =
    path === "azure-switch-partner" || path === "license-transfer"
      ? transferTarget(request, subscription, path === "license-transfer" ? "MC-3" : "MC-6")
      : resolveTargetOffer(request, subscription, context.offers);
  found.push(...target.violations);
  const seats = resolveSeats(request, subscription, path);
  found.push(...seats.violations);

  // MC-3 / startAt: provisioning waits for the original's term end when asked (and it is still ahead).
  const deferred = request.startAt === "term-end" && toMillis(subscription.termEnd) > toMillis(now);
  const item: LineItem = {
    subscriptionId: subscription.id,
    kind: subscription.kind,
    channel: subscription.channel,
    path,
    targetOfferId: target.offerId,
    targetSeats: seats.targetSeats,
    // MIG-6: a different plan means license assignments must be updated; MIG-4: the same plan does not.
    licenseReassignmentRequired:
      subscription.kind === "license" && target.offerId !== null && target.offerId !== subscription.offerId,
    creditEligibility: creditEligibilityFor(subscription, context.delegatedAdmin),
    cancelOriginal: request.cancelOriginal,
    cancelAt: scheduledCancelAt(request, subscription, path),
    refundNote: null,
    status: "planned",
    violations: [],
    provisionAt: deferred ? subscription.termEnd : null,
    seatReduction: seats.reduced,
    newSubscriptionId: null,
  };
  return found.length > 0 ? rejectLineItem(item, found) : item;
}

/** The skeleton of an item whose subscription is unknown: nothing about it can be said. */
function unknownItem(request: MigrationItemRequest): LineItem {
  return {
    subscriptionId: request.subscriptionId,
    kind: null,
    channel: null,
    path: null,
    targetOfferId: request.targetOfferId ?? null,
    targetSeats: request.targetSeats ?? null,
    licenseReassignmentRequired: false,
    creditEligibility: "not-eligible",
    cancelOriginal: request.cancelOriginal,
    cancelAt: null,
    refundNote: null,
    status: "planned",
    violations: [],
    provisionAt: null,
    seatReduction: false,
    newSubscriptionId: null,
  };
}

/** Whether this subscription may be moved to this partner at all: its state, channel, holder and claims. */
function scopeViolations(subscription: Subscription, context: ItemPlanningContext): Violation[] {
  const { partner } = context;
  const found: Violation[] = [];
  if (subscription.status !== "active") {
    // MIG-1 (inference): steps 3-4 move a running original; an expired, cancelled or suspended one
    // has nothing left to expire, cancel or continue without interruption.
    found.push(
      violation(
        "MIG-1",
        `Subscription ${subscription.id} is ${subscription.status}; only an active subscription can be moved`,
      ),
    );
  }
  // MC-1: direct, Advisor, Open and EA purchases are in scope. MC-2: so are third-party sellers
  // outside CSP and Syndication; a Syndication purchase is not (inference).
  if (subscription.channel === "syndication") {
    found.push(
      violation(
        "MC-2",
        `Subscription ${subscription.id} was bought through a Microsoft Syndication partner; multi-channel support does not cover it`,
      ),
    );
  }
  if (subscription.channel === "csp" && subscription.partnerOfRecord === partner.id) {
    // MIG-1 (inference): the partner already provides it; step 2 would provision a duplicate.
    found.push(
      violation(
        "MIG-1",
        `Subscription ${subscription.id} is already held by partner ${partner.id}; there is nothing to move`,
      ),
    );
  }
  const claimedBy = context.claims.get(subscription.id) ?? [];
  if (claimedBy.length > 0) {
    // MIG-1 (inference): one original goes through steps 2-3 once; a second open migration of it
    // would provision twice and cancel once. Whoever is decided first holds it.
    const names = claimedBy.map((other) => `${other.id} (partner ${other.partnerId}, ${other.status})`);
    found.push(
      violation(
        "MIG-1",
        `Subscription ${subscription.id} is already being moved by migration ${names.join(", ")}`,
      ),
    );
  }
  return found;
}

/** When the original goes: MIG-2 defaults and MC-3, given what the item asked. */
function cancellationViolations(
  request: MigrationItemRequest,
  subscription: Subscription,
  path: MigrationPath,
  partnerId: string,
  now: IsoTime,
): Violation[] {
  const found: Violation[] = [];
  const termAhead = toMillis(subscription.termEnd) > toMillis(now);
  const waitsForTermEnd = request.startAt === "term-end" && termAhead;
  if (path === "license-move" && request.cancelOriginal === "keep") {
    // MIG-1 step 3 (inference): a license original must expire or be cancelled; it cannot be kept beside the new one.
    found.push(
      violation(
        "MIG-1",
        `License subscription ${subscription.id} cannot be kept: the original must expire at term end or be cancelled`,
      ),
    );
  }
  if (path === "license-transfer" && request.cancelOriginal === "immediately") {
    // MC-3 (inference): a transferred licence moves as it is; there is no original left to cancel.
    found.push(
      violation(
        "MC-3",
        `License subscription ${subscription.id} from partner ${subscription.partnerOfRecord ?? "unknown"} is transferred to the new partner mid-term, not cancelled; ask "at-term-end" or "keep"`,
      ),
    );
  }
  if (path === "azure-switch-partner" && request.cancelOriginal === "immediately") {
    // MC-6 (inference): a switched subscription is transferred as it is; there is no original left to cancel.
    found.push(
      violation(
        "MC-6",
        `Azure subscription ${subscription.id} from partner ${subscription.partnerOfRecord ?? "unknown"} is switched to the new partner, not cancelled; ask "at-term-end" or "keep"`,
      ),
    );
  }
  if (waitsForTermEnd && request.cancelOriginal === "immediately") {
    // MIG-1 step 4 (inference): cancelling now and provisioning at term end would interrupt the customer.
    found.push(
      violation(
        "MIG-1",
        `Subscription ${subscription.id} cannot be cancelled immediately while its replacement waits for term end ${subscription.termEnd}`,
      ),
    );
  }
  if (path === "license-move" && isMidtermFromOtherCsp(request, subscription, partnerId, now)) {
    // MC-3: a license subscription cannot switch to a different CSP partner mid-term; it may wait for
    // its term end (startAt "term-end") instead. One held by this same partner is refused by MIG-1.
    found.push(
      violation(
        "MC-3",
        `License subscription ${subscription.id} is held by CSP partner ${subscription.partnerOfRecord ?? "unknown"} until its term end ${subscription.termEnd}; it cannot switch partner mid-term (ask startAt "term-end" to move it then)`,
      ),
    );
  }
  return found;
}

/** MIG-2: at term end by default, now when asked (set at provisioning), never when kept (MC-5) or switched (MC-6). */
function scheduledCancelAt(
  request: MigrationItemRequest,
  subscription: Subscription,
  path: MigrationPath,
): IsoTime | null {
  if (
    path === "azure-switch-partner" ||
    path === "license-transfer" ||
    request.cancelOriginal !== "at-term-end"
  )
    return null;
  return subscription.termEnd;
}

interface TargetOffer {
  offerId: string | null;
  violations: Violation[];
}

/** MC-6 (a switch), MC-3 (a licence transfer), inference: the subscription is transferred as it is, on its own offer. */
function transferTarget(
  request: MigrationItemRequest,
  subscription: Subscription,
  rule: "MC-3" | "MC-6",
): TargetOffer {
  const requested = request.targetOfferId ?? subscription.offerId;
  if (requested === subscription.offerId) return { offerId: requested, violations: [] };
  return {
    offerId: requested,
    violations: [
      violation(
        rule,
        `Subscription ${subscription.id} is transferred on its own offer ${subscription.offerId}; it cannot change to ${requested}`,
      ),
    ],
  };
}

/** MIG-4, MIG-5: the offer to provision, from the request or the current offer and its equivalents. */
export function resolveTargetOffer(
  request: MigrationItemRequest,
  subscription: Subscription,
  offers: ReadonlyMap<string, Offer>,
): TargetOffer {
  const current = offers.get(subscription.offerId);
  if (request.targetOfferId === undefined) {
    if (current === undefined) {
      // MIG-4 (inference): the same plan is the default; it must be a catalogue offer to provision it.
      return {
        offerId: null,
        violations: [
          violation(
            "MIG-4",
            `Offer ${subscription.offerId} of subscription ${subscription.id} is not in the catalogue; name a targetOfferId`,
          ),
        ],
      };
    }
    if (!current.discontinued) return { offerId: current.id, violations: [] };
    // MIG-5: a discontinued plan needs an equivalent plan; without one the item cannot proceed.
    const equivalent = current.equivalentOfferIds
      .map((id) => offers.get(id))
      .find((offer) => offer !== undefined && !offer.discontinued && offer.kind === subscription.kind);
    if (equivalent !== undefined) return { offerId: equivalent.id, violations: [] };
    return {
      offerId: null,
      violations: [
        violation(
          "MIG-5",
          `Offer ${current.id} of subscription ${subscription.id} is discontinued and has no available equivalent (listed: ${current.equivalentOfferIds.join(", ") || "none"})`,
        ),
      ],
    };
  }

  const target = offers.get(request.targetOfferId);
  if (target === undefined) {
    return {
      offerId: request.targetOfferId,
      violations: [
        violation(
          "MIG-4",
          `Target offer ${request.targetOfferId} for subscription ${subscription.id} is not in the catalogue`,
        ),
      ],
    };
  }
  const found: Violation[] = [];
  if (target.kind !== subscription.kind) {
    // MIG-4 (inference): the plan must match what the customer uses; a license plan cannot become usage.
    found.push(
      violation(
        "MIG-4",
        `Target offer ${target.id} is ${target.kind}-based but subscription ${subscription.id} is ${subscription.kind}-based`,
      ),
    );
  }
  if (target.discontinued) {
    found.push(violation("MIG-5", `Target offer ${target.id} is discontinued`));
  }
  if (
    current?.discontinued === true &&
    target.id !== current.id &&
    !current.equivalentOfferIds.includes(target.id)
  ) {
    // MIG-5: moving off a discontinued plan must land on one of its equivalents, to avoid data loss.
    found.push(
      violation(
        "MIG-5",
        `Offer ${current.id} is discontinued; target offer ${target.id} is not one of its equivalents (${current.equivalentOfferIds.join(", ") || "none"})`,
      ),
    );
  }
  return { offerId: target.id, violations: found };
}

interface TargetSeats {
  targetSeats: number | null;
  reduced: boolean;
  violations: Violation[];
}

/** MIG-4 / MIG-8 for license items; usage items have no seats (MC-5, MC-6). */
function resolveSeats(
  request: MigrationItemRequest,
  subscription: Subscription,
  path: MigrationPath,
): TargetSeats {
  if (subscription.kind === "usage") {
    if (request.targetSeats === undefined) return { targetSeats: null, reduced: false, violations: [] };
    const rule = path === "azure-switch-partner" ? "MC-6" : "MC-5";
    return {
      targetSeats: null,
      reduced: false,
      violations: [
        violation(
          rule,
          `Azure subscription ${subscription.id} is usage-based and has no seats; targetSeats ${request.targetSeats} does not apply`,
        ),
      ],
    };
  }
  const current = subscription.seats ?? 0;
  const target = request.targetSeats ?? current;
  if (path === "license-transfer" && target !== current) {
    // MC-3 (inference): a transfer moves the subscription with the seats it has.
    return {
      targetSeats: target,
      reduced: false,
      violations: [
        violation(
          "MC-3",
          `License subscription ${subscription.id} is transferred with its ${current} seats; targetSeats ${target} does not apply`,
        ),
      ],
    };
  }
  if (target >= current) return { targetSeats: target, reduced: false, violations: [] };
  // MIG-8 (inference from MIG-4): fewer seats leave users unlicensed; only an explicit request allows it, flagged.
  if (request.allowSeatReduction === true) return { targetSeats: target, reduced: true, violations: [] };
  return {
    targetSeats: target,
    reduced: false,
    violations: [
      violation(
        "MIG-8",
        `Target seats ${target} are fewer than the ${current} seats of subscription ${subscription.id}; set allowSeatReduction to confirm`,
      ),
    ],
  };
}
