/**
 * Drill: Table Storage goes away in the middle of a run and comes back. Partner portals keep
 * posting migrations over HTTP to the local host while the drill's own Azurite (persistent, in a
 * folder of its own, in a process of its own) is stopped and, a few seconds later, started again
 * on the same port with the same data. Every request is answered — 202, or a 503 problem with
 * Retry-After — never a 500 and never a hang; and every request answered 202 reaches its final
 * state after the restart, the processor's failed deliveries being delivered again.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startAzurite, type RunningAzurite } from "../../local/azurite.js";
import { historyEntry, type Relationship } from "../../shared/domain/index.js";
import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import { ReferenceCache } from "../../shared/pipeline/referenceCache.js";
import { runtime, setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  createTableStore,
  getEntity,
  listEntities,
  put,
  putOffer,
  putPartner,
} from "../../shared/storage/index.js";
import { aCustomer, anOffer, aPartner, aSubscription } from "../pipeline/processors/support.js";
import { customerTransaction, FaultInjector } from "./faults.js";
import { partnerKey } from "../setup/callers.js";
import { signedFetch, useDrillHost } from "./support.js";

const CUSTOMERS = 400;
const CLIENTS = 6;
const PARTNER = "outage-partner";
const DAY_MS = 86_400_000;
/** Longer than any answer may take: the SDK's retries included, a request must be answered within it. */
const ANSWER_WITHIN_MS = 20_000;

let folder: string;
let port: number;
let azurite: RunningAzurite | undefined;

const start = async () => {
  azurite = await startAzurite({ inMemory: { location: folder }, port, mode: "child-process" });
  return azurite;
};

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "drill-azurite-"));
  port = await freePort();
  await start();
});

afterAll(async () => {
  await azurite?.close();
  await rm(folder, { recursive: true, force: true });
});

const drill = useDrillHost(import.meta.url, {
  functions: ["postMigration", "processMigrationMessage"],
  tablesConnection: () => {
    if (azurite === undefined) throw new Error("the drill's Azurite starts first");
    return azurite.connectionString;
  },
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

function activeRelationship(customerId: string, at: string): Relationship {
  return {
    id: `rel-${customerId}`,
    partnerId: PARTNER,
    customerId,
    status: "active",
    delegatedAdmin: true,
    requestedBy: { userId: "alice@partner.example", role: "global-admin" },
    createdAt: at,
    updatedAt: at,
    answeredBy: "carol@customer.example",
    violations: [],
  };
}

/** `count` customers named `<label>-<n>`, each with a license subscription and an active relationship. */
async function seed(label: string, count: number): Promise<string[]> {
  const store = drill.store();
  await putPartner(store, aPartner(PARTNER));
  // The partner's portal signs with a key of its own, stored as the operator's issue stores it.
  await partnerKey(store, PARTNER);
  await putOffer(store, anOffer("o365-e3"));
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, (_, index) => `${label}-${index}`);
  await mapWithConcurrency(ids, 16, async (customerId) => {
    const relationship = activeRelationship(customerId, now);
    await commit(store, blankCustomerState(customerId), [
      put.customer(aCustomer(customerId)),
      put.subscription(
        aSubscription(customerId, "sub-1", {
          termStart: new Date(Date.now() - 200 * DAY_MS).toISOString(),
          termEnd: new Date(Date.now() + 165 * DAY_MS).toISOString(),
        }),
      ),
      put.relationship(relationship),
      appendHistory(
        { kind: "relationship", id: relationship.id },
        historyEntry(now, "carol@customer.example", "pending", "active", ["REL-2"]),
      ),
    ]);
  });
  return ids;
}

interface Answer {
  readonly customerId: string;
  readonly key: string;
  readonly status: number;
  readonly ms: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  readonly id: string | undefined;
}

async function post(customerId: string, key: string = randomUUID(), signedAt?: Date): Promise<Answer> {
  const signingKey = await partnerKey(drill.store(), PARTNER);
  const started = performance.now();
  const response = await signedFetch(drill.baseUrl(), signingKey, {
    method: "POST",
    path: "migrations",
    body: {
      partnerId: PARTNER,
      customerId,
      actor: { userId: "bob@partner.example", role: "account-admin" },
      items: [{ subscriptionId: "sub-1", cancelOriginal: "at-term-end" }],
    },
    idempotencyKey: key,
    ...(signedAt === undefined ? {} : { signedAt }),
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  const body = (await response.json()) as { id?: string };
  return {
    customerId,
    key,
    status: response.status,
    ms: performance.now() - started,
    contentType: response.headers.get("content-type"),
    retryAfter: response.headers.get("retry-after"),
    id: response.status === 202 ? body.id : undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("drill: Table Storage stopped and restarted mid-run", () => {
  it(
    "answers every request 202 or 503 with Retry-After, and loses nothing it accepted",
    { timeout: 90_000 },
    async () => {
      const customers = await seed("outage", CUSTOMERS);
      const answers: Answer[] = [];
      let next = 0;
      let posting = true;
      const clients = Array.from({ length: CLIENTS }, async () => {
        while (posting && next < customers.length) {
          const customerId = customers[next++]!;
          answers.push(await post(customerId));
        }
      });

      // Storage stops once some requests got through (on a loaded machine the first takes a while).
      const firstWithin = Date.now() + 20_000;
      while (!answers.some((answer) => answer.status === 202) && Date.now() < firstWithin) await sleep(50);
      await sleep(300);
      const acceptedBefore = answers.filter((answer) => answer.status === 202).length;
      await azurite?.close();
      await sleep(7_000);
      await start();
      await sleep(1_000);
      posting = false;
      await Promise.all(clients);

      expect(acceptedBefore).toBeGreaterThan(0);
      const statuses = new Set(answers.map((answer) => answer.status));
      expect([...statuses].filter((status) => status !== 202 && status !== 503)).toEqual([]);
      for (const refused of answers.filter((answer) => answer.status === 503)) {
        expect(refused.contentType).toContain("application/problem+json");
        expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      }
      const accepted = answers.filter((answer) => answer.status === 202);
      expect(accepted.length).toBeGreaterThan(acceptedBefore);

      // A portal retries a refused request with the same key: taken now — or, when the outage struck
      // between claiming the key and storing the request, refused cleanly until the claim's lease ends
      // (see the next test).
      for (const refused of answers.filter((answer) => answer.status === 503)) {
        const retried = await post(refused.customerId, refused.key);
        expect([202, 409], `retry of ${refused.key}`).toContain(retried.status);
        if (retried.status === 202) accepted.push(retried);
        else expect(Number(retried.retryAfter)).toBeGreaterThan(0);
      }

      // Everything accepted — before, during and after the outage — is decided once storage is back.
      await expect
        .poll(
          async () => {
            const statuses = await mapWithConcurrency(accepted, 16, async (answer) => {
              const stored = await getEntity(drill.store(), "migration", answer.customerId, answer.id ?? "");
              return stored?.value.status ?? "missing";
            });
            return statuses.filter((status) => status !== "awaiting-term-end");
          },
          { timeout: 30_000, interval: 500 },
        )
        .toEqual([]);
    },
  );

  it.each(["before-sending", "after-landing"] as const)(
    "takes a request once on the portal's retry when its one intake write fails %s",
    { timeout: 60_000 },
    async (timing) => {
      const [customerId] = await seed(`claimed-${timing}`, 1);
      const faults = new FaultInjector();
      const healthy = runtime();
      const faulty = createTableStore({
        connection: { kind: "connection-string", connectionString: azurite?.connectionString ?? "" },
        prefix: healthy.store.prefix,
        policies: [faults.policy],
      });
      setRuntimeForTests({ store: faulty, reference: new ReferenceCache(faulty) });
      // Claim, migration and history are one transaction: refused whole, or landed with its answer lost.
      faults.arm({ matches: customerTransaction(customerId!), timing, code: "EPIPE" });
      const key = randomUUID();
      try {
        const refused = await post(customerId!, key);
        expect(refused.status).toBe(503);
        expect(faults.fired).toHaveLength(1);
      } finally {
        faults.disarm();
        setRuntimeForTests({ store: healthy.store, reference: healthy.reference });
      }

      // Retried at once, with the same key: taken (or replayed, and sent again if it never left), once.
      const taken = await post(customerId!, key);
      expect(taken.status).toBe(202);
      await expect
        .poll(
          async () =>
            (await getEntity(drill.store(), "migration", customerId!, taken.id ?? ""))?.value.status,
          {
            timeout: 10_000,
          },
        )
        .toBe("awaiting-term-end");
      expect(await listEntities(drill.store(), "migration", customerId!)).toHaveLength(1);
    },
  );
});
