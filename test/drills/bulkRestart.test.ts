/**
 * Drill: the host running a bulk migration dies half way — the intake's write for the 30th customer
 * lands, its answer is lost, and every request after it fails, as when the process is gone — and a
 * new host starts on the same queues and tables. The batch finishes with every customer's migration
 * there exactly once: nothing doubled, nothing lost. Azurite, the emulator and the host are real.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { beforeAll, describe, expect, it } from "vitest";

import { ReferenceCache } from "../../shared/pipeline/referenceCache.js";
import { runtime, setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import {
  commit,
  createTableStore,
  listEntities,
  loadCustomerState,
  put,
  putPartner,
  type TableStore,
} from "../../shared/storage/index.js";
import { bulkJson, bulkRows } from "../pipeline/bulk/support.js";
import { aCustomer, aPartner, aSubscription } from "../pipeline/processors/support.js";
import { partnerKey, type KeyCredentials } from "../setup/callers.js";
import { tablesConnection, uniqueId } from "../setup/tables.js";
import { signedFetch, useDrillHost } from "./support.js";

const CUSTOMERS = 60;
const KILL_AT = 30;

const drill = useDrillHost(import.meta.url, {
  functions: ["postBulkMigration", "getBulkMigration", "processBulkChunkMessage", "processMigrationMessage"],
  // Abandoned messages come back quickly; a dying host's failed attempts must not dead-letter them.
  queues: { lockDuration: "PT2S", maxDeliveryCount: 100 },
  env: { BULK_MIGRATIONS_PER_MINUTE: "0" },
});

/** Lets the intake store `killAt - 1` migrations; the next lands, its answer is lost, and the process is gone. */
function killSwitch(killAt: number): { policy: PipelinePolicy; killed: Promise<void> } {
  let stored = 0;
  let dead = false;
  let died: () => void = () => undefined;
  const killed = new Promise<void>((resolve) => {
    died = resolve;
  });
  return {
    killed,
    policy: {
      name: "bulkKillSwitch",
      async sendRequest(request, next) {
        if (dead) throw new Error("killed: this host's process is gone");
        const intake =
          request.method === "POST" &&
          request.url.endsWith("$batch") &&
          typeof request.body === "string" &&
          // The intake's history row: its entries are JSON inside the row's JSON.
          request.body.includes(String.raw`\"to\":\"submitted\"`);
        if (!intake) return next(request);
        stored += 1;
        if (stored < killAt) return next(request);
        await next(request);
        dead = true;
        died();
        throw new Error("killed right after the intake's write landed");
      },
    },
  };
}

const storeWith = (policies: PipelinePolicy[]): TableStore =>
  createTableStore({
    connection: { kind: "connection-string", connectionString: tablesConnection() },
    prefix: runtime().store.prefix,
    policies,
  });

let partnerId: string;
let key: KeyCredentials;
const kill = killSwitch(KILL_AT);

beforeAll(async () => {
  const dying = storeWith([kill.policy]);
  setRuntimeForTests({ store: dying, reference: new ReferenceCache(dying) });
  partnerId = uniqueId("partner");
  await putPartner(dying, aPartner(partnerId));
  key = await partnerKey(dying, partnerId);
});

describe("a bulk migration survives a host restart half way", () => {
  it("finishes with every customer's migration stored once", async () => {
    const rows = bulkRows(uniqueId("c"), CUSTOMERS, 2);
    const customers = [...new Set(rows.map((row) => row.customerId))];
    for (const customerId of customers) {
      await commit(runtime().store, await loadCustomerState(runtime().store, customerId), [
        put.customer(aCustomer(customerId)),
        put.subscription(aSubscription(customerId, "sub-1")),
        put.subscription(aSubscription(customerId, "sub-2")),
      ]);
    }
    const taken = await signedFetch(drill.baseUrl(), key, {
      method: "POST",
      path: "bulk-migrations",
      body: bulkJson(partnerId, rows),
      idempotencyKey: "restart-drill",
    });
    expect(taken.status, await taken.clone().text()).toBe(202);
    const { id } = (await taken.json()) as { id: string };

    await kill.killed;
    await drill.restart();
    const healthy = storeWith([]);
    setRuntimeForTests({ store: healthy, reference: new ReferenceCache(healthy) });

    let progress: { counts: Record<string, number>; status: string } | undefined;
    // A key claimed by the dead host is taken again once its lease (30 s) is over.
    for (let attempt = 0; attempt < 160; attempt += 1) {
      const answer = await signedFetch(drill.baseUrl(), key, {
        method: "GET",
        path: `bulk-migrations/${id}`,
      });
      progress = (await answer.json()) as typeof progress;
      if (progress?.status === "done") break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(progress?.status, JSON.stringify(progress)).toBe("done");
    // No relationship: each migration is refused (REL-1), every item counted once.
    expect(progress?.counts).toMatchObject({ queued: 0, submitted: 0, rejected: CUSTOMERS * 2 });
    for (const customerId of customers) {
      const migrations = await listEntities(healthy, "migration", customerId);
      expect(migrations, customerId).toHaveLength(1);
      expect(migrations[0]?.value.request.map((item) => item.subscriptionId)).toEqual(["sub-1", "sub-2"]);
    }
  }, 90_000);
});
