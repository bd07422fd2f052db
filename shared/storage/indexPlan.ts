/**
 * Which index entries a commit adds and removes, derived from the entities before and after it, so
 * no caller can forget one. Pure.
 *
 * Indexes live outside the customer partition, so they cannot share its transaction. The customer
 * partition is the source of truth; entries are hints that lead a reader to it:
 * - entries a commit needs are written BEFORE it, idempotently (upsert). If the commit then fails,
 *   the entry dangles: readers check the partition, ignore it, and clean it once it is older than a
 *   grace period (an in-flight commit may still be about to land). A retried commit re-derives and
 *   rewrites it, since the partition still lacks the change.
 * - entries a commit makes obsolete are removed AFTER it. If that removal fails, the entry is stale:
 *   the reader finds the partition no longer matches it and cleans it the same way.
 */
import type { Migration, Relationship } from "../domain/model.js";
import { byIdKeys, customerNamedBy, dueKeys, normalizeTime, type ByIdKind, type DueKind } from "./keys.js";

export interface IndexEntry {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly fields: Readonly<Record<string, unknown>>;
}
export type IndexKey = Pick<IndexEntry, "partitionKey" | "rowKey">;

export interface IndexPlan {
  readonly writes: readonly IndexEntry[];
  readonly removals: readonly IndexKey[];
}

/** One entity's value before (undefined: new) and after a commit. */
export type IndexedChange =
  | { readonly kind: "relationship"; readonly before: Relationship | undefined; readonly after: Relationship }
  | { readonly kind: "migration"; readonly before: Migration | undefined; readonly after: Migration };

export function planIndexes(customerId: string, changes: readonly IndexedChange[]): IndexPlan {
  const writes: IndexEntry[] = [];
  const removals: IndexKey[] = [];
  for (const change of changes) {
    const id = change.after.id;
    // An id that names its own customer needs no by-id entry (keys.ts locatingId).
    if (change.before === undefined && customerNamedBy(id) !== customerId) {
      writes.push(byIdEntry(change.kind, id, customerId));
    }
    const [dueKind, before, after] =
      change.kind === "relationship"
        ? (["invitation", invitationDueAt(change.before), invitationDueAt(change.after)] as const)
        : (["term-end", migrationDueAt(change.before), migrationDueAt(change.after)] as const);
    if (before === after) continue;
    const next =
      after === undefined ? undefined : dueEntry(dueKind, after, change.after.partnerId, customerId, id);
    if (next !== undefined) writes.push(next);
    if (before !== undefined && change.before !== undefined) {
      const old = dueKeys(dueKind, before, change.before.partnerId, customerId, id);
      // Same day, same key: the upsert above already replaced it.
      if (next === undefined || next.partitionKey !== old.partitionKey || next.rowKey !== old.rowKey) {
        removals.push(old);
      }
    }
  }
  return { writes, removals };
}

export function byIdEntry(kind: ByIdKind, id: string, customerId: string): IndexEntry {
  return { ...byIdKeys(kind, id), fields: { customerId } };
}

export function dueEntry(
  kind: DueKind,
  dueAt: string,
  partnerId: string,
  customerId: string,
  entityId: string,
): IndexEntry {
  return {
    ...dueKeys(kind, dueAt, partnerId, customerId, entityId),
    fields: { customerId, entityId, dueAt },
  };
}

/** REL-3: when a pending invitation expires, if it is pending. */
export function invitationDueAt(relationship: Relationship | undefined): string | undefined {
  if (relationship?.status !== "pending" || relationship.expiresAt === undefined) return undefined;
  return normalizeTime(relationship.expiresAt);
}

const SWEPT_MIGRATION_STATUSES: ReadonlySet<Migration["status"]> = new Set([
  "provisioning",
  "awaiting-term-end",
]);

/**
 * When the sweep next has something to do for a migration: the earliest term end (`cancelAt`) of an
 * item whose original is still to be cancelled or expired, or the earliest `provisionAt` of an item
 * still waiting to be provisioned (MC-3 `startAt: "term-end"`). Undefined when nothing is waiting or
 * the migration is not in a status the sweep moves.
 */
export function migrationDueAt(migration: Migration | undefined): string | undefined {
  if (migration === undefined || !SWEPT_MIGRATION_STATUSES.has(migration.status)) return undefined;
  const times: string[] = [];
  for (const item of migration.items) {
    if ((item.status === "planned" || item.status === "provisioned") && item.cancelAt !== null) {
      times.push(normalizeTime(item.cancelAt));
    }
    if (item.status === "planned" && item.provisionAt !== undefined && item.provisionAt !== null) {
      times.push(normalizeTime(item.provisionAt));
    }
  }
  return times.sort()[0];
}
