/**
 * What one migration costs in Table Storage round trips (each one a billed transaction) on the happy
 * path, as the HTTP intake and the queue processor would call the storage layer. Counts, not times.
 */
import { beforeAll, describe, expect, it } from "vitest";

import {
  appendHistory,
  blankCustomerState,
  claim,
  commit,
  findMigration,
  getOffers,
  getPartner,
  hashRequest,
  put,
  RoundTripCounter,
  TABLE_NAMES,
  withCustomerPartition,
} from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { aLineItem, aMigration, anEntry } from "./fixtures.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });

beforeAll(async () => {
  await Promise.all(TABLE_NAMES.map((table) => store.table(table)));
});

describe("round trips per migration", () => {
  it("intake 4 (claim, index, outbox pointer, insert) + processor 4 (load, index, outbox pointer, commit), reference reads 2 more", async () => {
    const customerId = uniqueId("cust");
    const migrationId = uniqueId("mig");
    const submitted = aMigration(customerId, migrationId, {
      items: [aLineItem("sub-1", { cancelAt: "2025-06-01T00:00:00Z" })],
    });

    // Intake: claim the key with the planned 202, store the migration as submitted.
    counter.reset();
    const body = JSON.stringify({ customerId });
    await claim(
      store,
      { partnerId: "partner-1", key: uniqueId("key") },
      hashRequest({ method: "POST", route: "/api/migrations", body }),
      { planned: { requestId: migrationId, response: { status: 202, headers: {}, body: "{}" } } },
    );
    await commit(store, blankCustomerState(customerId), [
      put.migration(submitted),
      appendHistory({ kind: "migration", id: migrationId }, anEntry(null, "submitted")),
    ]);
    // The outbox pointer is upserted beside the by-id entry, in parallel (see shared/storage/README.md).
    expect(counter.snapshot()).toMatchObject({ total: 4, byKind: { insert: 1, upsert: 2, transaction: 1 } });

    // Processor: reference data, then one unit of work ending in awaiting-term-end.
    counter.reset();
    await getPartner(store, "partner-1");
    await getOffers(store, ["o365-e3", "o365-e5"]);
    expect(counter.total).toBe(2);

    counter.reset();
    await withCustomerPartition(store, customerId, (state) => {
      const migration = state.migrations.get(migrationId)!.value;
      return {
        changes: [
          put.migration({
            ...migration,
            status: "awaiting-term-end",
            items: migration.items.map((item) => ({ ...item, status: "provisioned" as const })),
          }),
          appendHistory({ kind: "migration", id: migrationId }, anEntry("submitted", "provisioning")),
          appendHistory({ kind: "migration", id: migrationId }, anEntry("provisioning", "awaiting-term-end")),
        ],
        result: undefined,
      };
    });
    expect(counter.snapshot()).toMatchObject({ total: 4, byKind: { query: 1, upsert: 2, transaction: 1 } });

    // A GET by id alone: the index, then the entity.
    counter.reset();
    expect((await findMigration(store, migrationId))?.stored.value.status).toBe("awaiting-term-end");
    expect(counter.snapshot().byKind["point-read"]).toBe(2);
  });
});
