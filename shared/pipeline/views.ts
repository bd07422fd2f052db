/**
 * What the routes answer, as the caller may see it (TEN-2): a relationship or migration with its
 * history only for its own partner or the operator, and which partner entered a record only to that
 * partner or the operator.
 */
import { mayRead, type Caller, type Customer, type Subscription } from "../domain/index.js";
import type { MigrationView, RelationshipView } from "../http/views.js";
import type { HistoryRecord, TableStore } from "../storage/index.js";
import { findMigration, findRelationship, readHistory } from "../storage/index.js";

function historyView(records: readonly HistoryRecord[]): RelationshipView["history"] {
  return records.map(({ entityKind: _kind, entityId: _id, lineItem, ...entry }) =>
    lineItem === undefined ? entry : { ...entry, lineItem },
  );
}

/** The relationship, or undefined when it does not exist or is not the caller's (the same 404). */
export async function relationshipView(
  store: TableStore,
  id: string,
  now: Date,
  caller: Caller,
): Promise<RelationshipView | undefined> {
  const found = await findRelationship(store, id, now);
  if (found === undefined || !mayRead(caller, found.stored.value.partnerId)) return undefined;
  const history = await readHistory(store, found.customerId, { kind: "relationship", id });
  return { ...found.stored.value, history: historyView(history) };
}

export async function migrationView(
  store: TableStore,
  id: string,
  now: Date,
  caller: Caller,
): Promise<MigrationView | undefined> {
  const found = await findMigration(store, id, now);
  if (found === undefined || !mayRead(caller, found.stored.value.partnerId)) return undefined;
  const history = await readHistory(store, found.customerId, { kind: "migration", id });
  return { ...found.stored.value, history: historyView(history) };
}

/** `enteredBy` names a partner: shown to that partner and the operator only. */
function withoutOthersEntry<T extends { enteredBy?: string | undefined }>(caller: Caller, record: T): T {
  if (record.enteredBy === undefined || mayRead(caller, record.enteredBy)) return record;
  const { enteredBy: _hidden, ...rest } = record;
  return rest as T;
}

export function customerView(caller: Caller, customer: Customer): Customer {
  return withoutOthersEntry(caller, customer);
}

export function subscriptionView(caller: Caller, subscription: Subscription): Subscription {
  return withoutOthersEntry(caller, subscription);
}
