/**
 * The nightly term-end sweep, as a plan: which originals expire or are cancelled now, which migrations
 * complete, which invitations expire (REL-3) and which migrations waiting on them are rejected.
 * Applying the plan and planning again with the same `now` yields an empty plan.
 */
import type {
  IsoTime,
  LineItem,
  Migration,
  Relationship,
  RuleId,
  Subscription,
  Violation,
} from "../model.js";
import type { MigrationOutcome, RelationshipOutcome, SubscriptionChange } from "../outcomes.js";
import { lineItemHistory } from "../outcomes.js";
import { originalRetirement } from "../orders.js";
import {
  type ItemStep,
  lineItemDueAt,
  provideReplacement,
  type ProvisioningContext,
  retireOriginalIfDue,
} from "../provisioning.js";
import { type Instant, isAtOrBefore, toIso } from "../time.js";
import { violation } from "../violations.js";
import { rejectMigration, settleMigration } from "./migrations.js";
import { expireRelationship, isOpenInvitation } from "./relationships.js";

/** Who the history names for sweep changes. */
export const TIMER_ACTOR = "timer";

export interface SweepInput {
  now: Instant;
  /**
   * Migrations with an item due on or before `now` (status awaiting-term-end) and migrations awaiting a
   * relationship; any other status is ignored, so over-fetching is harmless.
   */
  migrations: readonly Migration[];
  /** The original subscriptions of those migrations' items. */
  subscriptions: readonly Subscription[];
  /** Pending invitations whose expiresAt is on or before `now`, and the relationships the waiting migrations name. */
  relationships: readonly Relationship[];
  /** The history's actor; "timer" for the nightly run. */
  by?: string;
  /** Live mode: a licence item provisioned now is then bought in Partner Center (execution `ordering`). */
  ordersInPartnerCenter?: boolean;
}

export interface SweepSkip {
  migrationId: string;
  subscriptionId: string;
  reason: string;
}

export interface SweepPlan {
  asOf: IsoTime;
  relationships: RelationshipOutcome[];
  migrations: MigrationOutcome[];
  subscriptionChanges: SubscriptionChange[];
  /** Due items the sweep could not move (their original is missing, or kept by MIG-9); they stay due. */
  skipped: SweepSkip[];
}

export function planSweep(input: SweepInput): SweepPlan {
  const now = toIso(input.now);
  const by = input.by ?? TIMER_ACTOR;

  // REL-3 (inference): an invitation left unanswered past its expiry expires.
  const expiring = input.relationships
    .filter((relationship) => relationship.status === "pending" && relationship.expiresAt !== undefined)
    .filter((relationship) => !isOpenInvitation(relationship, now))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((relationship) => expireRelationship(relationship, now, by));
  const expired = new Map<string, Relationship>(
    [
      ...input.relationships.filter((relationship) => relationship.status === "expired"),
      ...expiring.map((outcome) => outcome.relationship),
    ].map((relationship) => [relationship.id, relationship] as const),
  );

  const originals = new Map(
    input.subscriptions.map((subscription) => [subscription.id, subscription] as const),
  );
  const migrations: MigrationOutcome[] = [];
  const skipped: SweepSkip[] = [];
  const seen = new Set<string>();
  for (const migration of [...input.migrations].sort((a, b) => a.id.localeCompare(b.id))) {
    if (seen.has(migration.id)) continue;
    seen.add(migration.id);
    const outcome =
      migration.status === "awaiting-relationship"
        ? rejectIfInvitationExpired(migration, expired, now, by)
        : migration.status === "awaiting-term-end"
          ? advanceDueItems(migration, originals, { now, by, skipped, orders: input.ordersInPartnerCenter })
          : null;
    if (outcome === null) continue;
    migrations.push(outcome);
    for (const change of outcome.subscriptionChanges)
      originals.set(change.subscription.id, change.subscription);
  }
  return {
    asOf: now,
    relationships: expiring,
    migrations,
    subscriptionChanges: migrations.flatMap((outcome) => outcome.subscriptionChanges),
    skipped,
  };
}

/** REL-3: a migration waiting on an invitation that expired is rejected. */
function rejectIfInvitationExpired(
  migration: Migration,
  expired: ReadonlyMap<string, Relationship>,
  now: IsoTime,
  by: string,
): MigrationOutcome | null {
  const relationship = migration.relationshipId === null ? undefined : expired.get(migration.relationshipId);
  if (relationship === undefined) return null;
  const found: Violation = violation(
    "REL-3",
    `Invitation ${relationship.id} to customer ${migration.customerId} expired at ${relationship.expiresAt ?? now} without an answer, so migration ${migration.id} cannot proceed`,
  );
  return rejectMigration(migration, [found], now, by);
}

interface Advance {
  readonly now: IsoTime;
  readonly by: string;
  readonly skipped: SweepSkip[];
  readonly orders: boolean | undefined;
}

/** Provisions items scheduled for term end and retires originals whose cancellation is due. */
function advanceDueItems(
  migration: Migration,
  originals: ReadonlyMap<string, Subscription>,
  { now, by, skipped, orders }: Advance,
): MigrationOutcome | null {
  const context: ProvisioningContext = {
    migrationId: migration.id,
    partnerId: migration.partnerId,
    now,
    ordersInPartnerCenter: orders === true,
  };
  const retire = (item: LineItem, original: Subscription | undefined): ItemStep =>
    retireOnceOrdered(item, original, context, skipped);
  const changes: SubscriptionChange[] = [];
  const items = migration.items.map((item): LineItem => {
    const original = originals.get(item.subscriptionId);
    const provisionAt = item.status === "planned" ? lineItemDueAt(item) : null;
    if (provisionAt !== null && isAtOrBefore(provisionAt, now)) {
      if (original === undefined) {
        skipped.push({
          migrationId: migration.id,
          subscriptionId: item.subscriptionId,
          reason: `Original subscription ${item.subscriptionId} was not found, so its replacement cannot be provisioned`,
        });
        return item;
      }
      // MC-3: never before the original's term end; if its term was extended meanwhile, wait for the new end.
      if (!isAtOrBefore(original.termEnd, now)) {
        return {
          ...item,
          provisionAt: original.termEnd,
          cancelAt: item.cancelAt === null ? null : original.termEnd,
        };
      }
      const provided = provideReplacement(item, original, context);
      const step = retire(provided.item, original);
      changes.push(...provided.changes, ...step.changes);
      return step.item;
    }
    // MIG-1 step 3 / MIG-2: the original expires (or is cancelled) once its cancellation time has come.
    const step = retire(item, original);
    changes.push(...step.changes);
    return step.item;
  });
  const moved = items.some((item, index) => item !== migration.items[index]);
  const settled = settleMigration(migration, items, now, by);
  if (!moved && settled.path.length === 0) return null;
  return {
    changed: true,
    migration: settled.migration,
    path: settled.path,
    history: settled.history.map((entry) =>
      entry.to === "completed" ? { ...entry, rules: ["MIG-1", "MIG-2"] as RuleId[] } : entry,
    ),
    itemHistory: lineItemHistory(migration.items, items, now, by),
    subscriptionChanges: changes,
  };
}

/**
 * MIG-1 step 3 under MIG-9: a due original goes only once its replacement is ordered; one kept
 * because Partner Center did not sell the replacement is reported, and stays due.
 */
function retireOnceOrdered(
  item: LineItem,
  original: Subscription | undefined,
  context: ProvisioningContext,
  skipped: SweepSkip[],
): ItemStep {
  const due =
    item.status === "provisioned" && item.cancelAt !== null && isAtOrBefore(item.cancelAt, context.now);
  if (!due) return { item, changes: [] };
  const retirement = originalRetirement(item);
  if (retirement.kind === "keep") {
    skipped.push({
      migrationId: context.migrationId,
      subscriptionId: item.subscriptionId,
      reason: `${retirement.rule}: ${retirement.reason}`,
    });
  }
  if (retirement.kind !== "retire") return { item, changes: [] };
  return retireOriginalIfDue(item, original, context);
}

/**
 * OPS-1: a sweep that writes runs as of now (or earlier, to catch up); looking ahead is for dry runs
 * only, so nothing is ever retired before its time or dated in the future.
 */
export function sweepAsOfViolation(asOf: Instant, now: Instant, dryRun: boolean): Violation | null {
  if (dryRun || isAtOrBefore(asOf, now)) return null;
  return violation(
    "OPS-1",
    `A sweep as of ${toIso(asOf)} is later than now (${toIso(now)}); only a dry run may look ahead`,
  );
}
