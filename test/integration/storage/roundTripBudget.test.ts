/**
 * What one migration costs in Table Storage round trips (each one a billed transaction) on the happy
 * path, as the HTTP intake and the queue processor call the storage layer. Counts, not times.
 */
import { beforeAll, describe, expect, it } from "vitest";

import {
  appendHistory,
  findMigration,
  getOffers,
  getPartner,
  hashRequest,
  locatingId,
  put,
  RoundTripCounter,
  TABLE_NAMES,
  takeSubmissionOnce,
  withCustomerPartitionForMessage,
} from "../../../shared/storage/index.js";
import { relayOrRetry } from "../../../shared/pipeline/relay.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { aLineItem, aMigration, anEntry } from "./fixtures.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });
const DIGEST = "0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  await Promise.all(TABLE_NAMES.map((table) => store.table(table)));
});

function submission(customerId: string, key: string, body: string) {
  const migrationId = locatingId("mig", DIGEST, customerId);
  if (migrationId === undefined) throw new Error("the id does not fit");
  const submitted = aMigration(customerId, migrationId, {
    items: [aLineItem("sub-1", { cancelAt: "2025-06-01T00:00:00Z" })],
  });
  const claim = {
    scope: "partner-1",
    key,
    requestHash: hashRequest({ method: "POST", route: "/api/migrations", body }),
    customerId,
    entity: { kind: "migration", id: migrationId } as const,
    response: { status: 202, headers: { location: `/api/migrations/${migrationId}` }, body: "{}" },
  };
  const changes = [
    put.migration(submitted),
    appendHistory({ kind: "migration", id: migrationId }, anEntry(null, "submitted")),
  ];
  return { migrationId, claim, changes };
}

describe("round trips per migration", () => {
  it("intake 1 (claim, entity, history and outbox row in one transaction) + processor 4 (load, due index, decision, map) + relay 1", async () => {
    const customerId = uniqueId("cust");
    const key = uniqueId("key");
    const { migrationId, claim, changes } = submission(customerId, key, "{}");

    counter.reset();
    expect(await takeSubmissionOnce(store, claim, changes, { now: new Date() })).toMatchObject({
      kind: "new",
    });
    // No outbox pointer: the processing message leads the processor to the submitted event.
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { transaction: 1 } });

    // Processor: reference data (cached by the processors, so once per process), then one unit of work.
    counter.reset();
    await getPartner(store, "partner-1");
    await getOffers(store, ["o365-e3", "o365-e5"]);
    expect(counter.total).toBe(2);

    counter.reset();
    const done = await withCustomerPartitionForMessage(store, customerId, (state) => {
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
    // The due index entry before the transaction, the customer-map row after it; the load brought
    // the intake's unsent events along.
    expect(counter.snapshot()).toMatchObject({ total: 4, byKind: { query: 1, upsert: 2, transaction: 1 } });
    expect(done.state.outbox).toHaveLength(1);

    // The relay: both commits' events sent (Service Bus), both rows cleared in one transaction.
    counter.reset();
    const sent: string[] = [];
    await relayOrRetry(
      {
        store,
        sendEvents: (messages) => {
          sent.push(...messages.map((message) => message.messageId));
          return Promise.resolve();
        },
      },
      done,
    );
    expect(sent).toHaveLength(1 + (done.receipt.outbox?.events.length ?? 0));
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { transaction: 1 } });

    // A GET by id alone: the id names its partition, one point read.
    counter.reset();
    expect((await findMigration(store, migrationId))?.stored.value.status).toBe("awaiting-term-end");
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { "point-read": 1 } });
  });

  it("replays the same request, refuses another under the same key, and finds nothing by a forged id", async () => {
    const customerId = uniqueId("cust");
    const key = uniqueId("key");
    const first = submission(customerId, key, "{}");
    await takeSubmissionOnce(store, first.claim, first.changes, { now: new Date() });

    counter.reset();
    expect(await takeSubmissionOnce(store, first.claim, first.changes, { now: new Date() })).toEqual({
      kind: "replay",
      response: first.claim.response,
      resend: true,
    });
    // The refused insert, then one query for the claim and the entity.
    expect(counter.snapshot()).toMatchObject({ total: 2, byKind: { transaction: 1, query: 1 } });

    const other = submission(customerId, key, `{"changed":true}`);
    expect(
      await takeSubmissionOnce(
        store,
        { ...other.claim, entity: { kind: "migration", id: locatingId("mig", "f".repeat(32), customerId)! } },
        [put.migration({ ...aMigration(customerId, locatingId("mig", "f".repeat(32), customerId)!) })],
        { now: new Date() },
      ),
    ).toEqual({ kind: "mismatch" });

    // Another customer's name on a real id's digest, or a made-up digest: nothing, by the id or the index.
    expect(await findMigration(store, locatingId("mig", DIGEST, uniqueId("cust"))!)).toBeUndefined();
    expect(await findMigration(store, locatingId("mig", "e".repeat(32), customerId)!)).toBeUndefined();
  });
});
