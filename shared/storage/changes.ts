/**
 * What a decision asks the storage layer to write to one customer partition: whole entities to put
 * (insert when the state did not hold them, replace with an ETag check when it did) and history
 * entries to append. Plain data, so the rules that produce it stay pure.
 */
import { z } from "zod";

import { historyEntrySchema, idSchema, type HistoryEntry } from "../domain/model.js";
import type { EntityOfKind } from "./customerState.js";
import type { HistoryEntityKind, StateKind } from "./keys.js";

export type EntityPut = {
  [K in StateKind]: { readonly kind: K; readonly value: EntityOfKind[K] };
}[StateKind];

export interface HistoryAppend {
  readonly kind: "history";
  /** The entity whose status changed; it must be put in the same commit. */
  readonly entity: { readonly kind: HistoryEntityKind; readonly id: string };
  /** The subscription id of the line item, when the change is a migration line item's. */
  readonly lineItem?: string | undefined;
  readonly entry: HistoryEntry;
}

export type Change = EntityPut | HistoryAppend;

/** Shorthands for building changes in a decision. */
export const put = {
  customer: (value: EntityOfKind["customer"]): EntityPut => ({ kind: "customer", value }),
  subscription: (value: EntityOfKind["subscription"]): EntityPut => ({ kind: "subscription", value }),
  relationship: (value: EntityOfKind["relationship"]): EntityPut => ({ kind: "relationship", value }),
  migration: (value: EntityOfKind["migration"]): EntityPut => ({ kind: "migration", value }),
};

export function appendHistory(
  entity: HistoryAppend["entity"],
  entry: HistoryEntry,
  lineItem?: string,
): HistoryAppend {
  return { kind: "history", entity, entry, lineItem };
}

export const historyEntityKindSchema = z.enum(["subscription", "relationship", "migration"]);

/** One status change as read back: the entry plus the entity it is about. */
export const historyRecordSchema = historyEntrySchema.extend({
  entityKind: historyEntityKindSchema,
  entityId: idSchema,
  lineItem: idSchema.optional(),
});
export type HistoryRecord = z.infer<typeof historyRecordSchema>;

/**
 * A history row as a commit writes it: every status change one commit made to one entity (a
 * decision often steps a migration and its items through several), so a commit writes one row per
 * entity rather than one per change. Rows written before this held one change each
 * (`historyRecordSchema`); both are read.
 */
export const historyRowSchema = z.strictObject({
  entityKind: historyEntityKindSchema,
  entityId: idSchema,
  entries: z.array(historyEntrySchema.extend({ lineItem: idSchema.optional() })).min(1),
});
export type HistoryRow = z.infer<typeof historyRowSchema>;

/** A stored history row's changes, oldest first, whichever shape it was written in. */
export const storedHistorySchema = z
  .union([historyRowSchema, historyRecordSchema])
  .transform((row): HistoryRecord[] =>
    "entries" in row
      ? row.entries.map((entry) => ({ ...entry, entityKind: row.entityKind, entityId: row.entityId }))
      : [row],
  );
