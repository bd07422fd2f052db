/**
 * Drill: a processor dies right after one of its writes. Faults are injected into the app's own
 * store (a pipeline policy; Azurite and the emulator are real): the write refused before it is sent,
 * or landed with its answer lost. The host abandons the failed invocation, Service Bus delivers the
 * message again, and the retry must converge: the same final state, one history row per step, one
 * index entry per migration.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { addDays } from "../../shared/domain/index.js";
import { QUEUES, type MigrationMessage, type RelationshipMessage } from "../../shared/messaging/messages.js";
import { sendMessage } from "../../shared/messaging/sender.js";
import { ReferenceCache } from "../../shared/pipeline/referenceCache.js";
import { runtime, setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import { runSweep } from "../../shared/pipeline/sweep.js";
import { createTableStore, loadCustomerState, type TableStore } from "../../shared/storage/index.js";
import {
  historySteps,
  migrationRequest,
  NOW,
  putCatalogue,
  relationshipAnswer,
  relationshipRequest,
  seedWorld,
  submitMigration,
  submitRelationship,
  tableRows,
} from "../pipeline/processors/support.js";
import { tablesConnection } from "../setup/tables.js";
import { customerTransaction, FaultInjector, indexBatch } from "./faults.js";
import { useDrillHost } from "./support.js";

const drill = useDrillHost(import.meta.url, {
  functions: ["processRelationshipMessage", "processMigrationMessage"],
});
const faults = new FaultInjector();
let store: TableStore;

beforeAll(async () => {
  // The functions run in this module graph: they use this store, with the fault policy in its pipeline.
  store = createTableStore({
    connection: { kind: "connection-string", connectionString: tablesConnection() },
    prefix: runtime().store.prefix,
    policies: [faults.policy],
  });
  setRuntimeForTests({ store, reference: new ReferenceCache(store), now: () => new Date(NOW) });
  await putCatalogue(store);
});

type Message = RelationshipMessage | MigrationMessage;

/** Sends a message and waits until the host has finished `deliveries` invocations of it. */
async function handle(message: Message, deliveries = 1): Promise<void> {
  const name =
    message.type === "migration-request" ? "processMigrationMessage" : "processRelationshipMessage";
  const before = drill.invocations.count(name);
  await sendMessage(message.type === "migration-request" ? QUEUES.migrations : QUEUES.relationships, message);
  await drill.invocations.until(
    () => drill.invocations.count(name) >= before + deliveries,
    `${deliveries} deliveries of ${message.requestId}`,
  );
}

/** A customer under an active relationship with the partner. */
async function related() {
  const ids = await seedWorld(store);
  const relationshipId = await submitRelationship(store, ids);
  await handle(relationshipRequest(ids.customerId, relationshipId));
  await handle(relationshipAnswer(ids.customerId, relationshipId, "accept"));
  return { ...ids, relationshipId };
}

async function dueEntriesOf(customerId: string): Promise<string[]> {
  return (await tableRows(store, "indexes"))
    .filter((row) => String(row.rowKey).startsWith("~due|") && String(row.rowKey).includes(`|${customerId}|`))
    .map((row) => `${String(row.partitionKey)} ${String(row.rowKey)}`);
}

const DECIDED_ONCE = [
  "null → submitted",
  "submitted → provisioning",
  "provisioning → awaiting-term-end",
  "sub-1: null → planned",
  "sub-1: planned → provisioned",
];

describe("drill: a processor crashes after a write, and Service Bus delivers again", () => {
  it.each([
    ["its transaction was refused", "before-sending"],
    ["its transaction landed and the answer was lost", "after-landing"],
  ] as const)("converges when %s", { timeout: 60_000 }, async (_, timing) => {
    const { customerId, partnerId } = await related();
    const migrationId = await submitMigration(store, { customerId, partnerId });
    const failedBefore = drill.invocations.count("processMigrationMessage", "Failed");
    faults.arm({ matches: customerTransaction(customerId), timing });

    await handle(migrationRequest(customerId, migrationId), 2);

    faults.disarm();
    expect(drill.invocations.count("processMigrationMessage", "Failed")).toBe(failedBefore + 1);
    const state = await loadCustomerState(store, customerId);
    const migration = state.migrations.get(migrationId)?.value;
    expect(migration?.status).toBe("awaiting-term-end");
    expect(await historySteps(store, customerId, { kind: "migration", id: migrationId })).toEqual(
      DECIDED_ONCE,
    );
    const replacement = migration?.items[0]?.newSubscriptionId ?? "";
    expect(state.subscriptions.get(replacement)?.value.status).toBe("active");
    expect(await historySteps(store, customerId, { kind: "subscription", id: replacement })).toEqual([
      "null → active",
    ]);
    expect(await dueEntriesOf(customerId)).toEqual([
      `map|${partnerId} ~due|2025-07-01|${customerId}|${migrationId}`,
    ]);
  });

  it(
    "writes the due entry on redelivery when the map partition's write after the transaction failed",
    { timeout: 60_000 },
    async () => {
      const { customerId, partnerId } = await related();
      const migrationId = await submitMigration(store, { customerId, partnerId });
      const failedBefore = drill.invocations.count("processMigrationMessage", "Failed");
      faults.arm({ matches: indexBatch(customerId), timing: "before-sending" });

      await handle(migrationRequest(customerId, migrationId), 2);

      faults.disarm();
      expect(drill.invocations.count("processMigrationMessage", "Failed")).toBe(failedBefore + 1);
      expect(await historySteps(store, customerId, { kind: "migration", id: migrationId })).toEqual(
        DECIDED_ONCE,
      );
      expect(await dueEntriesOf(customerId)).toEqual([
        `map|${partnerId} ~due|2025-07-01|${customerId}|${migrationId}`,
      ]);
      expect((await tableRows(store, "indexes")).map((row) => row.rowKey)).toContain(customerId);
    },
  );

  it(
    "leaves an accepted invitation alone when the clean-up of its expiry entry failed, and the sweep removes the entry",
    { timeout: 60_000 },
    async () => {
      const ids = await seedWorld(store);
      const relationshipId = await submitRelationship(store, ids);
      await handle(relationshipRequest(ids.customerId, relationshipId));
      const pending = (await loadCustomerState(store, ids.customerId)).relationships.get(
        relationshipId,
      )?.value;
      const invitation = (await tableRows(store, "indexes")).filter((row) =>
        String(row.rowKey).endsWith(relationshipId),
      );
      expect(invitation).toHaveLength(1);
      // The entry's removal goes with the customer's map row, in one batch after the transaction.
      faults.arm({ matches: indexBatch(ids.customerId), timing: "before-sending" });

      await handle(relationshipAnswer(ids.customerId, relationshipId, "accept"));

      faults.disarm();
      expect(faults.fired.at(-1)).toContain("$batch");
      const state = await loadCustomerState(store, ids.customerId);
      expect(state.relationships.get(relationshipId)?.value.status).toBe("active");
      expect(
        (await tableRows(store, "indexes")).filter((row) => String(row.rowKey).endsWith(relationshipId)),
      ).toHaveLength(1);

      // Past the invitation's expiry, and past the grace period for the entry (the service stamps
      // entries with the real clock): the sweep reads the stale entry, expires nothing, removes it.
      const asOf = addDays(pending?.expiresAt ?? NOW, 1);
      const report = await runSweep({
        asOf,
        dryRun: false,
        runtime: { ...runtime(), now: () => new Date(Date.now() + 10 * 60_000) },
      });
      expect(report.transitions.filter((t) => t.customerId === ids.customerId)).toEqual([]);
      expect(
        (await loadCustomerState(store, ids.customerId)).relationships.get(relationshipId)?.value.status,
      ).toBe("active");
      expect(
        (await tableRows(store, "indexes")).filter((row) => String(row.rowKey).endsWith(relationshipId)),
      ).toEqual([]);
      expect(await historySteps(store, ids.customerId, { kind: "relationship", id: relationshipId })).toEqual(
        ["null → submitted", "submitted → pending", "pending → active"],
      );
    },
  );
});
