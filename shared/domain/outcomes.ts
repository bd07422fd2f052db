/** What a decision hands back to the caller to persist: next records, history entries, subscription changes. */
import type {
  HistoryEntry,
  IsoTime,
  LineItem,
  LineItemStatus,
  Migration,
  MigrationStatus,
  Relationship,
  RelationshipStatus,
  RuleId,
  Subscription,
  Violation,
} from "./model.js";

/**
 * One change to a subscription, as the full record to store afterwards (upsert by customer and id;
 * ids of created subscriptions are deterministic, so a retried write creates nothing twice).
 */
export interface SubscriptionChange {
  change: "created" | "transferred" | "cancelled" | "expired";
  subscription: Subscription;
  /** The migration and the original subscription of the line item that caused the change. */
  migrationId: string;
  originalSubscriptionId: string;
  rules: RuleId[];
}

export interface RelationshipOutcome {
  /** False when nothing is to be written (e.g. a redelivered message, an answer to a non-pending invitation). */
  changed: boolean;
  /** The relationship as it must be stored next (equal to the input when unchanged). */
  relationship: Relationship;
  /** Statuses entered, in order; one history entry each. */
  path: RelationshipStatus[];
  history: HistoryEntry[];
  /** Every violation this step found; also stored on the relationship when it is rejected or expired. */
  violations: Violation[];
}

/** A line item's status change, for the history of that item within its migration. */
export interface LineItemHistoryEntry {
  subscriptionId: string;
  entry: HistoryEntry;
}

export interface MigrationOutcome {
  changed: boolean;
  /** The migration as it must be stored next, items included. */
  migration: Migration;
  /** Statuses entered, in order (e.g. provisioning, awaiting-term-end); one history entry each. */
  path: MigrationStatus[];
  history: HistoryEntry[];
  /** One entry per line item status step (planned → provisioned → original-expired is two). */
  itemHistory: LineItemHistoryEntry[];
  subscriptionChanges: SubscriptionChange[];
}

export function historyEntry(
  at: IsoTime,
  by: string,
  from: string | null,
  to: string,
  rules: readonly RuleId[],
  note?: string,
): HistoryEntry {
  return {
    at,
    by,
    from,
    to,
    rules: [...rules],
    ...(note === undefined ? {} : { note: note.slice(0, 2000) }),
  };
}

/** The subscriptions after some changes: changed ones replaced by id, created ones appended. */
export function applySubscriptionChanges(
  subscriptions: readonly Subscription[],
  changes: readonly SubscriptionChange[],
): Subscription[] {
  const next = new Map(subscriptions.map((subscription) => [subscription.id, subscription] as const));
  for (const { subscription } of changes) next.set(subscription.id, subscription);
  return [...next.values()];
}

/** The forward chain of a line item that is not rejected. */
const ITEM_CHAIN: readonly LineItemStatus[] = ["planned", "provisioned"];

/** One history entry per status step of each item, from the items before a decision to those after. */
export function lineItemHistory(
  before: readonly LineItem[],
  after: readonly LineItem[],
  at: IsoTime,
  by: string,
): LineItemHistoryEntry[] {
  const previous = new Map(before.map((item) => [item.subscriptionId, item.status] as const));
  return after.flatMap((item) => {
    const from = previous.get(item.subscriptionId) ?? null;
    if (from === item.status) return [];
    const chain: LineItemStatus[] =
      item.status === "rejected"
        ? [item.status]
        : [...ITEM_CHAIN.slice(0, ITEM_CHAIN.indexOf(item.status) + 1)];
    if (item.status === "original-cancelled" || item.status === "original-expired") {
      chain.push(...ITEM_CHAIN, item.status);
    }
    const steps = chain.slice(from === null ? 0 : chain.indexOf(from) + 1);
    return steps.map((to, index) => ({
      subscriptionId: item.subscriptionId,
      entry: historyEntry(
        at,
        by,
        index === 0 ? from : (steps[index - 1] ?? null),
        to,
        itemRules(item, to),
        itemNote(item, to),
      ),
    }));
  });
}

function itemRules(item: LineItem, to: LineItemStatus): RuleId[] {
  if (to === "rejected") return [...new Set(item.violations.map((found) => found.rule))];
  if (to === "provisioned") {
    if (item.path === "azure-switch-partner") return ["MC-6"];
    if (item.path === "license-transfer") return ["MC-3"];
    return item.path === "azure-new-subscription" ? ["MC-5"] : ["MIG-1"];
  }
  if (to === "planned") return [];
  return ["MIG-1", "MIG-2"];
}

function itemNote(item: LineItem, to: LineItemStatus): string | undefined {
  if (to === "provisioned") return `Provisioned ${item.newSubscriptionId ?? "?"} by ${item.path ?? "?"}`;
  if (to === "original-cancelled") return item.refundNote ?? `Original ${item.subscriptionId} cancelled`;
  if (to === "original-expired") return `Original ${item.subscriptionId} expired at its term end`;
  return undefined;
}
