/**
 * Cutting one customer's sweep plan into commits that fit an entity-group transaction (100
 * operations, 4 MiB). Whole outcomes go first, relationships before migrations; a single migration
 * too big for one commit (up to 12 items, each moving its own subscriptions) is cut by line item:
 * the first commit moves some items and leaves the migration's status alone, and the caller plans
 * again from the stored state for the rest. Every part is a consistent state (an item moves together
 * with its subscriptions and history), so a reader or a crash between parts sees half a night's work,
 * never half an item. Pure.
 */
import type {
  Migration,
  MigrationOutcome,
  RelationshipOutcome,
  SubscriptionChange,
  SweepPlan,
} from "../domain/index.js";
import { changesFit, type Change } from "../storage/index.js";

export interface SweepBatch {
  readonly relationships: readonly RelationshipOutcome[];
  readonly migrations: readonly MigrationOutcome[];
  readonly subscriptionChanges: readonly SubscriptionChange[];
  /** True when the batch is the whole plan; otherwise plan again after committing it. */
  readonly complete: boolean;
}

type Outcomes = Omit<SweepBatch, "complete">;

/**
 * The first part of `plan` that fits one commit. `stored` gives a migration as the plan found it;
 * `toChanges` is how the caller turns outcomes into storage changes, whose count and size must fit.
 */
export function firstBatch(
  plan: SweepPlan,
  stored: (migrationId: string) => Migration | undefined,
  toChanges: (outcomes: Outcomes) => readonly Change[],
  changesFitOne: (changes: readonly Change[]) => boolean = changesFit,
): SweepBatch {
  const fits = (outcomes: Outcomes): boolean => changesFitOne(toChanges(outcomes));
  const units: Outcomes[] = [
    ...plan.relationships.map((outcome) => ({
      relationships: [outcome],
      migrations: [],
      subscriptionChanges: [],
    })),
    ...plan.migrations.map((outcome) => ({
      relationships: [],
      migrations: [outcome],
      subscriptionChanges: outcome.subscriptionChanges,
    })),
  ];
  let chosen: Outcomes = { relationships: [], migrations: [], subscriptionChanges: [] };
  let taken = 0;
  for (const unit of units) {
    const candidate = {
      relationships: [...chosen.relationships, ...unit.relationships],
      migrations: [...chosen.migrations, ...unit.migrations],
      subscriptionChanges: [...chosen.subscriptionChanges, ...unit.subscriptionChanges],
    };
    if (!fits(candidate)) break;
    chosen = candidate;
    taken += 1;
  }
  if (taken === units.length) return { ...chosen, complete: true };
  if (taken > 0) return { ...chosen, complete: false };

  // Not even the first outcome fits: only a migration with many items can be that large.
  const [first] = plan.migrations;
  if (plan.relationships.length > 0 || first === undefined) {
    throw new Error(`A single relationship outcome does not fit one commit; this is a bug`);
  }
  const before = stored(first.migration.id);
  if (before === undefined) throw new Error(`Migration ${first.migration.id} is planned but not stored`);
  const partial = largestFittingPart(before, first, fits);
  return {
    relationships: [],
    migrations: [partial],
    subscriptionChanges: partial.subscriptionChanges,
    complete: false,
  };
}

/** The migration's first changed items, as many as fit one commit. */
function largestFittingPart(
  stored: Migration,
  outcome: MigrationOutcome,
  fits: (outcomes: Outcomes) => boolean,
): MigrationOutcome {
  const changedIds = changedItemIds(outcome);
  let best: MigrationOutcome | undefined;
  for (let count = 1; count < changedIds.length; count += 1) {
    const part = partialMigrationOutcome(stored, outcome, new Set(changedIds.slice(0, count)));
    if (!fits({ relationships: [], migrations: [part], subscriptionChanges: part.subscriptionChanges }))
      break;
    best = part;
  }
  if (best === undefined) {
    throw new Error(
      `Migration ${outcome.migration.id}: not even one line item's sweep step fits one commit; this is a bug`,
    );
  }
  return best;
}

/** The subscription ids of the items the outcome moves, in item order. */
function changedItemIds(outcome: MigrationOutcome): string[] {
  const moved = new Set([
    ...outcome.itemHistory.map((step) => step.subscriptionId),
    ...outcome.subscriptionChanges.map((change) => change.originalSubscriptionId),
  ]);
  return outcome.migration.items.map((item) => item.subscriptionId).filter((id) => moved.has(id));
}

/**
 * The outcome restricted to some of its items: those items move (with their history and subscription
 * changes), the others stay as stored, and the migration keeps its stored status, since an item it
 * does not move is still due.
 */
export function partialMigrationOutcome(
  stored: Migration,
  outcome: MigrationOutcome,
  ids: ReadonlySet<string>,
): MigrationOutcome {
  const next = new Map(outcome.migration.items.map((item) => [item.subscriptionId, item] as const));
  return {
    changed: true,
    migration: {
      ...outcome.migration,
      status: stored.status,
      items: stored.items.map((item) =>
        ids.has(item.subscriptionId) ? (next.get(item.subscriptionId) ?? item) : item,
      ),
    },
    path: [],
    history: [],
    itemHistory: outcome.itemHistory.filter((step) => ids.has(step.subscriptionId)),
    subscriptionChanges: outcome.subscriptionChanges.filter((change) =>
      ids.has(change.originalSubscriptionId),
    ),
  };
}
