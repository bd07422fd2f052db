/**
 * Deciding a migration (the MIG, MC and MP rules of shared/domain/RULES.md): whether it may run at
 * all, under which relationship, what happens to each item, and the subscription changes to persist.
 */
import { isTerminal, transition } from "../lifecycle.js";
import type {
  Customer,
  HistoryEntry,
  IsoTime,
  LineItem,
  Migration,
  MigrationStatus,
  Offer,
  Partner,
  Relationship,
  RuleId,
  Subscription,
  Violation,
} from "../model.js";
import {
  historyEntry,
  lineItemHistory,
  type MigrationOutcome,
  type SubscriptionChange,
} from "../outcomes.js";
import { failedInPartnerCenter, isLineItemSettled, lineItemDueAt, provisionItem } from "../provisioning.js";
import { type Instant, toIso, toMillis } from "../time.js";
import { rulesOf, violation } from "../violations.js";
import { type ItemPlanningContext, planLineItem, rejectLineItem } from "./lineItems.js";
import { assertParties, isOpenInvitation, joinMessages, SYSTEM_ACTOR } from "./relationships.js";
import { authorizeMigrationRequest } from "./roles.js";
import { regionViolations, tenancyViolations } from "./tenancy.js";

export interface MigrationDecisionInput {
  /** The stored migration: `submitted`, or `awaiting-relationship` to resume it. Other statuses are left alone. */
  migration: Migration;
  partner: Partner;
  customer: Customer;
  /** The customer's subscriptions. */
  subscriptions: readonly Subscription[];
  /** The catalogue entries the items refer to (current offers, their equivalents, targets). */
  offers: readonly Offer[];
  /** The customer's relationships, with any partner. */
  relationships: readonly Relationship[];
  /** The customer's other migrations (this one, if present, is ignored). */
  otherMigrations: readonly Migration[];
  /** MC-3: setting MIDTERM_LICENSE_TRANSFERS; absent is its default, off. */
  midtermLicenseTransfers?: boolean;
  /** Live mode: items are bought (`ordering`) or transferred (`transferring`) in Partner Center after the decision commits. */
  ordersInPartnerCenter?: boolean;
  now: Instant;
}

/** Where the partner stands with the customer, for a migration (REL-1, REL-2, REL-3). */
export type RelationshipStanding =
  | { kind: "active"; relationship: Relationship }
  | { kind: "pending"; relationship: Relationship }
  | { kind: "none"; violation: Violation };

export function relationshipStanding(
  migration: Pick<Migration, "partnerId" | "customerId" | "relationshipId">,
  relationships: readonly Relationship[],
  now: Instant,
): RelationshipStanding {
  // MP-1: only this partner's relationships matter; other partners' do not block it.
  const own = relationships
    .filter((candidate) => candidate.partnerId === migration.partnerId)
    .filter((candidate) => candidate.customerId === migration.customerId)
    .sort((a, b) => a.id.localeCompare(b.id));
  // REL-2: only an accepted relationship lets the partner provision.
  const active = own.find((candidate) => candidate.status === "active");
  if (active !== undefined) return { kind: "active", relationship: active };
  const open = own.find((candidate) => isOpenInvitation(candidate, now));
  if (open !== undefined) return { kind: "pending", relationship: open };

  const awaited = own.find((candidate) => candidate.id === migration.relationshipId);
  if (awaited !== undefined && (awaited.status === "expired" || awaited.status === "pending")) {
    // REL-3 (inference): the invitation it waited on expired unanswered.
    return {
      kind: "none",
      violation: violation(
        "REL-3",
        `Invitation ${awaited.id} to customer ${migration.customerId} expired at ${awaited.expiresAt ?? "an unknown time"} without an answer`,
      ),
    };
  }
  if (awaited !== undefined) {
    return {
      kind: "none",
      violation: violation(
        "REL-2",
        `Relationship ${awaited.id} is ${awaited.status}; only an accepted relationship lets partner ${migration.partnerId} provision for customer ${migration.customerId}`,
      ),
    };
  }
  // REL-1: the partner must first ask the customer's permission (migration step 1).
  return {
    kind: "none",
    violation: violation(
      "REL-1",
      `Partner ${migration.partnerId} has no active or pending reseller relationship with customer ${migration.customerId}; request one first`,
    ),
  };
}

export function unchangedMigration(migration: Migration): MigrationOutcome {
  return { changed: false, migration, path: [], history: [], itemHistory: [], subscriptionChanges: [] };
}

/**
 * Decides a submitted migration, or resumes one awaiting its relationship. Proceeding means
 * submitted → provisioning → awaiting-term-end | completed in one decision; `path` lists every step.
 */
export function decideMigration(input: MigrationDecisionInput): MigrationOutcome {
  const { migration, partner, customer } = input;
  if (migration.status !== "submitted" && migration.status !== "awaiting-relationship") {
    return unchangedMigration(migration);
  }
  assertParties(migration, partner, customer);
  const now = toIso(input.now);
  const standing = relationshipStanding(migration, input.relationships, now);
  // Still waiting for the customer's answer: nothing to do yet.
  if (migration.status === "awaiting-relationship" && standing.kind === "pending") {
    return unchangedMigration(migration);
  }

  const migrationViolations: Violation[] = [];
  // ROLE-2 is checked at the door (403); again here so a request that slipped past is still refused.
  const forbidden = authorizeMigrationRequest(migration.requestedBy);
  if (forbidden !== null) migrationViolations.push(forbidden);
  migrationViolations.push(...tenancyViolations(partner, customer), ...regionViolations(partner, customer));
  if (standing.kind === "none") migrationViolations.push(standing.violation);
  const relationship = standing.kind === "none" ? null : standing.relationship;

  const items = planItems(migration, {
    partner,
    customer,
    subscriptions: input.subscriptions,
    offers: new Map(input.offers.map((offer) => [offer.id, offer] as const)),
    claims: claimsOf(input.otherMigrations, migration.id),
    delegatedAdmin: relationship?.delegatedAdmin ?? false,
    midtermLicenseTransfers: input.midtermLicenseTransfers ?? false,
    now,
  });

  if (
    relationship === null ||
    migrationViolations.length > 0 ||
    items.every((item) => item.status === "rejected")
  ) {
    const relationshipId = relationship?.id ?? migration.relationshipId;
    return rejectMigration(migration, migrationViolations, now, SYSTEM_ACTOR, items, relationshipId);
  }
  if (standing.kind === "pending") {
    // REL-2 / MC-4: license items need the customer's permission first; items stay planned until then.
    const status = transition("migration", migration.status, "awaiting-relationship");
    const note = `Waiting for customer ${customer.id} to accept invitation ${relationship.id} (expires ${relationship.expiresAt ?? "never"})`;
    return {
      changed: true,
      migration: {
        ...migration,
        status,
        items,
        violations: [],
        relationshipId: relationship.id,
        updatedAt: now,
      },
      path: [status],
      history: [
        historyEntry(
          now,
          SYSTEM_ACTOR,
          migration.status,
          status,
          ["REL-2", "MC-4", ...itemRules(items)],
          note,
        ),
      ],
      itemHistory: lineItemHistory(migration.items, items, now, SYSTEM_ACTOR),
      subscriptionChanges: [],
    };
  }
  return proceed(
    migration,
    { ...migration, items, relationshipId: relationship.id },
    input.subscriptions,
    now,
    input.ordersInPartnerCenter ?? false,
  );
}

/** Plans every requested item; a rejection made while waiting for the relationship stays final. */
function planItems(migration: Migration, context: ItemPlanningContext): LineItem[] {
  const earlier = new Map(migration.items.map((item) => [item.subscriptionId, item] as const));
  const seen = new Set<string>();
  return migration.request.map((request) => {
    const planned = planLineItem(request, context);
    if (seen.has(request.subscriptionId)) {
      // MIG-1: one line item per original subscription.
      return rejectLineItem(planned, [
        violation(
          "MIG-1",
          `Subscription ${request.subscriptionId} is listed more than once in migration ${migration.id}`,
        ),
      ]);
    }
    seen.add(request.subscriptionId);
    const before = earlier.get(request.subscriptionId);
    return before?.status === "rejected" ? before : planned;
  });
}

/** Subscription id → the other open migrations holding it in an item that is not rejected. */
function claimsOf(migrations: readonly Migration[], selfId: string): Map<string, Migration[]> {
  const claims = new Map<string, Migration[]>();
  const open = migrations
    .filter((other) => other.id !== selfId && !isTerminal("migration", other.status))
    .sort((a, b) => a.id.localeCompare(b.id));
  for (const other of open) {
    for (const item of other.items) {
      if (item.status === "rejected") continue;
      claims.set(item.subscriptionId, [...(claims.get(item.subscriptionId) ?? []), other]);
    }
  }
  return claims;
}

/** The relationship is active: provision every planned item that need not wait, then settle the status. */
function proceed(
  stored: Migration,
  migration: Migration,
  subscriptions: readonly Subscription[],
  now: IsoTime,
  ordersInPartnerCenter: boolean,
): MigrationOutcome {
  const provisioning = transition("migration", migration.status, "provisioning");
  const context = { migrationId: migration.id, partnerId: migration.partnerId, now, ordersInPartnerCenter };
  const changes: SubscriptionChange[] = [];
  const items = migration.items.map((item) => {
    if (item.status !== "planned") return item;
    // MC-3: an item scheduled for its original's term end is not provisioned before then.
    const provisionAt = lineItemDueAt(item);
    if (provisionAt !== null && toMillis(provisionAt) > toMillis(now)) return item;
    const original = subscriptions.find((subscription) => subscription.id === item.subscriptionId);
    if (original === undefined) throw new Error(`Planned subscription ${item.subscriptionId} is missing`);
    const step = provisionItem(item, original, context);
    changes.push(...step.changes);
    return step.item;
  });
  const settled = settleMigration(
    { ...migration, status: provisioning, violations: [] },
    items,
    now,
    SYSTEM_ACTOR,
    waitingRules(items),
  );
  const proceeding = items.filter((item) => item.status !== "rejected").length;
  const history: HistoryEntry[] = [
    historyEntry(
      now,
      SYSTEM_ACTOR,
      migration.status,
      provisioning,
      ["REL-2", "MIG-1", ...itemRules(items)],
      `${proceeding} of ${items.length} items proceed under relationship ${migration.relationshipId ?? "none"}`,
    ),
    ...settled.history,
  ];
  return {
    changed: true,
    migration: settled.migration,
    path: [provisioning, ...settled.path],
    history,
    itemHistory: lineItemHistory(stored.items, items, now, SYSTEM_ACTOR),
    subscriptionChanges: changes,
  };
}

/** → rejected: every item that was still planned is rejected with it. */
export function rejectMigration(
  migration: Migration,
  violations: readonly Violation[],
  now: Instant,
  by: string,
  items: readonly LineItem[] = migration.items,
  relationshipId: string | null = migration.relationshipId,
): MigrationOutcome {
  const at = toIso(now);
  const status = transition("migration", migration.status, "rejected");
  const rejected = items.map((item) => (item.status === "rejected" ? item : rejectLineItem(item)));
  const everything = [...violations, ...rejected.flatMap((item) => item.violations)];
  return {
    changed: true,
    migration: {
      ...migration,
      status,
      items: rejected,
      violations: [...violations],
      relationshipId,
      updatedAt: at,
    },
    path: [status],
    history: [historyEntry(at, by, migration.status, status, rulesOf(everything), joinMessages(everything))],
    itemHistory: lineItemHistory(migration.items, rejected, at, by),
    subscriptionChanges: [],
  };
}

/** Any non-terminal migration → failed, with the reason (an unexpected failure, not a rule). */
export function failMigration(
  migration: Migration,
  reason: string,
  now: Instant,
  by = SYSTEM_ACTOR,
): MigrationOutcome {
  if (isTerminal("migration", migration.status)) return unchangedMigration(migration);
  const at = toIso(now);
  const status = transition("migration", migration.status, "failed");
  const failureReason = reason.slice(0, 2000);
  return {
    changed: true,
    migration: { ...migration, status, failureReason, updatedAt: at },
    path: [status],
    history: [historyEntry(at, by, migration.status, status, [], failureReason)],
    itemHistory: [],
    subscriptionChanges: [],
  };
}

/** A provisioning or awaiting-term-end migration once its items moved on, and why it moved. */
export interface SettledMigration {
  /** With its items and next status (failed because Partner Center carried out none: with the reasons). */
  readonly migration: Migration;
  /** The statuses entered (none, or one); one history entry each. */
  readonly path: MigrationStatus[];
  readonly history: HistoryEntry[];
}

/**
 * The next status of a migration whose items moved on. Once every item is settled, its final one:
 * `completed`, or — when Partner Center failed some items' purchase or transfer — `partially-completed`
 * if others were carried out, `failed` (with the reasons) if none was. Not before: an item waiting
 * for its term end makes a provisioning migration `awaiting-term-end`; one whose transfer Partner
 * Center is still carrying out keeps it where it is. `waiting` are the rules the wait names.
 */
export function settleMigration(
  migration: Migration,
  items: readonly LineItem[],
  at: IsoTime,
  by: string,
  waiting: readonly RuleId[] = [],
): SettledMigration {
  const from = migration.status;
  const moved = (status: MigrationStatus, rules: readonly RuleId[], note: string): SettledMigration => ({
    migration: {
      ...migration,
      status,
      items: [...items],
      updatedAt: at,
      ...(status === "failed" ? { failureReason: note } : {}),
    },
    path: status === from ? [] : [status],
    history: status === from ? [] : [historyEntry(at, by, from, status, rules, note)],
  });
  if (from !== "provisioning" && from !== "awaiting-term-end") return moved(from, [], "");
  if (!items.every(isLineItemSettled)) {
    const datesDue = items.some((item) => lineItemDueAt(item) !== null);
    if (from === "awaiting-term-end" || !datesDue) return moved(from, [], "");
    return moved(transition("migration", from, "awaiting-term-end"), waiting, settledNote(items));
  }
  const proceeding = items.filter((item) => item.status !== "rejected");
  const failed = proceeding.filter(failedInPartnerCenter);
  if (failed.length === 0) return moved(transition("migration", from, "completed"), [], settledNote(items));
  const reasons = failed.map((item) => `${item.subscriptionId}: ${partnerCenterFailure(item).message}`);
  const note =
    `${failed.length} of ${proceeding.length} item(s) were not carried out in Partner Center: ${reasons.join("; ")}`.slice(
      0,
      2000,
    );
  const rules = [...new Set(failed.map((item) => partnerCenterFailure(item).rule))];
  const final = failed.length < proceeding.length ? "partially-completed" : "failed";
  return moved(transition("migration", from, final), rules, note);
}

/** Why Partner Center did not carry an item out, and the rule it was carrying out. */
function partnerCenterFailure(item: LineItem): { rule: RuleId; message: string } {
  if (item.execution === "transfer-failed") {
    const rule = item.transferError?.rule ?? (item.path === "license-transfer" ? "MC-3" : "MC-6");
    return { rule, message: item.transferError?.message ?? "the transfer failed" };
  }
  const rule = item.orderError?.rule ?? (item.path === "azure-new-subscription" ? "MC-5" : "MIG-1");
  return { rule, message: item.orderError?.message ?? "the purchase failed" };
}

function itemRules(items: readonly LineItem[]): RuleId[] {
  return rulesOf(items.flatMap((item) => item.violations));
}

function waitingRules(items: readonly LineItem[]): RuleId[] {
  const deferred = items.some((item) => item.status === "planned");
  return deferred ? ["MIG-2", "MC-3"] : ["MIG-2"];
}

export function settledNote(items: readonly LineItem[]): string {
  const due = items
    .map(lineItemDueAt)
    .filter((at): at is string => at !== null)
    .sort();
  const first = due[0];
  if (first === undefined) return "Every original is retired, kept or transferred";
  return `${due.length} item(s) wait for their original's term end; the first is due at ${first}`;
}
