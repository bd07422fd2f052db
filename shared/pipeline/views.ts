/** Reading a relationship or migration with its history, as the GET routes answer. */
import type { HistoryRecord, TableStore } from "../storage/index.js";
import { findMigration, findRelationship, readHistory } from "../storage/index.js";
import type { MigrationView, RelationshipView } from "../http/views.js";

function historyView(records: readonly HistoryRecord[]): RelationshipView["history"] {
  return records.map(({ entityKind: _kind, entityId: _id, lineItem, ...entry }) =>
    lineItem === undefined ? entry : { ...entry, lineItem },
  );
}

export async function relationshipView(
  store: TableStore,
  id: string,
  now: Date,
): Promise<RelationshipView | undefined> {
  const found = await findRelationship(store, id, now);
  if (found === undefined) return undefined;
  const history = await readHistory(store, found.customerId, { kind: "relationship", id });
  return { ...found.stored.value, history: historyView(history) };
}

export async function migrationView(
  store: TableStore,
  id: string,
  now: Date,
): Promise<MigrationView | undefined> {
  const found = await findMigration(store, id, now);
  if (found === undefined) return undefined;
  const history = await readHistory(store, found.customerId, { kind: "migration", id });
  return { ...found.stored.value, history: historyView(history) };
}
