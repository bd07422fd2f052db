/** A customer's relationships or migrations as the caller may list them (TEN-2): its own, or all for the operator. */
import { mayRead, type Caller, type Migration, type Relationship } from "../domain/index.js";
import { listEntities, type TableStore } from "../storage/index.js";

export async function ownEntities<K extends "relationship" | "migration">(
  store: TableStore,
  kind: K,
  customerId: string,
  caller: Caller,
): Promise<(K extends "relationship" ? Relationship : Migration)[]> {
  const stored = await listEntities(store, kind, customerId);
  return stored
    .map((entity) => entity.value as K extends "relationship" ? Relationship : Migration)
    .filter((value) => mayRead(caller, value.partnerId));
}
