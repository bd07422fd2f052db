/**
 * Turns the rules' outcomes into storage changes for one customer partition: the next record of each
 * changed entity, one history row per status step (line items' under their migration, tagged with the
 * item's subscription id), and every changed subscription with a history row saying which migration
 * changed it and why. Pure: the caller commits the result.
 */
import {
  historyEntry,
  type HistoryEntry,
  type IsoTime,
  type MigrationOutcome,
  type RelationshipOutcome,
  type Subscription,
  type SubscriptionChange,
} from "../domain/index.js";
import { appendHistory, put, type Change } from "../storage/index.js";

/** Who and when, for the subscription history rows (the outcomes carry their own for the rest). */
export interface ChangeProvenance {
  readonly at: IsoTime;
  readonly by: string;
}

export function relationshipChanges(outcome: RelationshipOutcome): Change[] {
  if (!outcome.changed) return [];
  const { relationship } = outcome;
  const entity = { kind: "relationship", id: relationship.id } as const;
  return [put.relationship(relationship), ...outcome.history.map((entry) => appendHistory(entity, entry))];
}

/** The migration row (items inside) and its history; its subscription changes go through `subscriptionChanges`. */
export function migrationChanges(outcome: MigrationOutcome): Change[] {
  if (!outcome.changed) return [];
  const { migration } = outcome;
  const entity = { kind: "migration", id: migration.id } as const;
  return [
    put.migration(migration),
    ...outcome.history.map((entry) => appendHistory(entity, entry)),
    ...outcome.itemHistory.map(({ subscriptionId, entry }) => appendHistory(entity, entry, subscriptionId)),
  ];
}

/** One subscription change as a status step: the record to store and the history entry explaining it. */
export interface SubscriptionStep {
  readonly subscription: Subscription;
  readonly entry: HistoryEntry;
}

/**
 * The steps of some subscription changes, in order. `previous` gives a subscription as stored before
 * them (undefined for one the changes create); a subscription changed twice steps from its last change.
 */
export function subscriptionSteps(
  changes: readonly SubscriptionChange[],
  previous: (id: string) => Subscription | undefined,
  provenance: ChangeProvenance,
): SubscriptionStep[] {
  const current = new Map<string, Subscription | undefined>();
  return changes.map((change) => {
    const { subscription } = change;
    const before = current.has(subscription.id) ? current.get(subscription.id) : previous(subscription.id);
    current.set(subscription.id, subscription);
    return {
      subscription,
      entry: historyEntry(
        provenance.at,
        provenance.by,
        before?.status ?? null,
        subscription.status,
        change.rules,
        describeChange(change, before),
      ),
    };
  });
}

/** Puts each changed subscription once (its last value) and appends one history row per step. */
export function subscriptionChanges(
  changes: readonly SubscriptionChange[],
  previous: (id: string) => Subscription | undefined,
  provenance: ChangeProvenance,
): Change[] {
  const steps = subscriptionSteps(changes, previous, provenance);
  const last = new Map(steps.map((step) => [step.subscription.id, step.subscription] as const));
  return [
    ...[...last.values()].map((subscription) => put.subscription(subscription)),
    ...steps.map((step) => appendHistory({ kind: "subscription", id: step.subscription.id }, step.entry)),
  ];
}

export interface Outcomes {
  readonly relationships?: readonly RelationshipOutcome[];
  readonly migrations?: readonly MigrationOutcome[];
  /** Every subscription change, in the order the rules made them (usually the migrations' own, concatenated). */
  readonly subscriptionChanges?: readonly SubscriptionChange[];
}

/** Everything some outcomes write to one partition, ready for `commit` / `withCustomerPartition`. */
export function outcomeChanges(
  outcomes: Outcomes,
  previous: (id: string) => Subscription | undefined,
  provenance: ChangeProvenance,
): Change[] {
  return [
    ...(outcomes.relationships ?? []).flatMap(relationshipChanges),
    ...(outcomes.migrations ?? []).flatMap(migrationChanges),
    ...subscriptionChanges(outcomes.subscriptionChanges ?? [], previous, provenance),
  ];
}

function describeChange(change: SubscriptionChange, before: Subscription | undefined): string {
  const cause = `migration ${change.migrationId}, line item ${change.originalSubscriptionId}`;
  switch (change.change) {
    case "created":
      return `Created by ${cause}, to replace subscription ${change.originalSubscriptionId}`;
    case "transferred":
      return `Partner of record ${before?.partnerOfRecord ?? "none"} → ${change.subscription.partnerOfRecord ?? "none"} by ${cause}`;
    case "cancelled":
      return `Cancelled by ${cause}`;
    case "expired":
      return `Expired at its term end ${change.subscription.termEnd} by ${cause}`;
  }
}
