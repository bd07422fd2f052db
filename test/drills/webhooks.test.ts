/**
 * Drill: events out, end to end on the real local services — commits write events to the outbox,
 * the relay (or the timer's pass) puts them on the emulator's partner-events queue, the host's
 * dispatcher POSTs them to a real HTTP receiver in this test, signed. Receivers fail, hang, and the
 * dispatcher crashes mid-delivery (a Table Storage fault); every event still arrives, with its own
 * id, only to its own partner, and per resource in lifecycle order by sequence. A delivery past its
 * last attempt is listed as failed and redelivered by hand, over the host's HTTP routes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { eventEnvelopeSchema, eventIdFor, type EventEnvelope } from "../../shared/events/catalogue.js";
import { deriveWebhookSecret } from "../../shared/events/secrets.js";
import { verifyEventSignature } from "../../shared/events/signature.js";
import {
  relayCommitted,
  relayOrRetry,
  relayPending,
  withMessageCommit,
} from "../../shared/pipeline/relay.js";
import { runtime, setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  createTableStore,
  put,
  withCustomerPartition,
  withCustomerPartitionForMessage,
  type TableStore,
} from "../../shared/storage/index.js";
import { listDeliveries, putWebhook } from "../../shared/storage/webhooks.js";
import { aMigration, aRelationship, anEntry, stepOnce } from "../integration/storage/fixtures.js";
import { OPERATOR, partnerKey, type KeyCredentials } from "../setup/callers.js";
import { tablesConnection, uniqueId } from "../setup/tables.js";
import { FaultInjector } from "./faults.js";
import { signedFetch, useDrillHost, type SignedRequest } from "./support.js";

const drill = useDrillHost(import.meta.url, {
  functions: [
    "processPartnerEventMessage",
    "listWebhooks",
    "getWebhook",
    "listWebhookDeliveries",
    "postWebhookRedelivery",
  ],
  env: {
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    WEBHOOK_RETRY_BASE_SECONDS: "0.3",
    WEBHOOK_TIMEOUT_SECONDS: "1",
  },
});
const faults = new FaultInjector();
let store: TableStore;

interface Received {
  readonly path: string;
  readonly event: EventEnvelope;
  readonly verified: boolean;
  /** What the receiver answered. */
  readonly status: number;
}

/** What each path answers to its n-th request (1-based): a status, or "hang" (never answers). */
const behaviours = new Map<string, (n: number) => number | "hang">();
const secrets = new Map<string, string>();
const received: Received[] = [];
const counts = new Map<string, number>();
let server: Server;
let baseUrl = "";

function receive(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const path = request.url ?? "";
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const body = Buffer.concat(chunks).toString("utf8");
    const verified = verifyEventSignature(
      secrets.get(path) ?? "",
      {
        timestamp: String(request.headers["x-timestamp"]),
        signature: String(request.headers["x-signature"]),
      },
      body,
      new Date(),
    );
    const event = eventEnvelopeSchema.parse(JSON.parse(body));
    expect(request.headers["x-event-id"]).toBe(event.id);
    const answer = behaviours.get(path)?.(n) ?? 200;
    if (answer === "hang") return;
    received.push({ path, event, verified, status: answer });
    response.writeHead(answer).end("ignored body");
  });
}

beforeAll(async () => {
  server = createServer(receive);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = createTableStore({
    connection: { kind: "connection-string", connectionString: tablesConnection() },
    prefix: runtime().store.prefix,
    policies: [faults.policy],
  });
  setRuntimeForTests({ store });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});

/** A partner with one subscription to every event at its own path of the receiver. */
async function subscribe(partnerId: string, answers?: (n: number) => number | "hang"): Promise<string> {
  const path = `/${partnerId}`;
  const [master] = runtime().config.PARTNER_KEY_MASTER;
  const nonce = "0123456789abcdef0123456789abcdef";
  await putWebhook(store, {
    partnerId,
    name: "portal",
    url: `${baseUrl}${path}`,
    events: ["*"],
    masterVersion: master!.id,
    secretNonce: nonce,
    createdAt: new Date().toISOString(),
  });
  secrets.set(path, deriveWebhookSecret(master!, partnerId, "portal", nonce));
  if (answers !== undefined) behaviours.set(path, answers);
  return path;
}

/** A relationship's life: requested, invitation sent, accepted — three commits, three events. */
async function relationshipLife(partnerId: string, relay = true): Promise<string[]> {
  const customerId = uniqueId("cust");
  const submitted = aRelationship(customerId, "rel-1", { partnerId, status: "submitted" });
  const rt = runtime();
  const ids: string[] = [];
  const first = await commit(store, blankCustomerState(customerId), [
    put.relationship(submitted),
    appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
  ]);
  ids.push(...(first.outbox?.events.map((event) => event.id) ?? []));
  if (relay) await relayCommitted(rt, first.outbox);
  for (const [from, to] of [
    ["submitted", "pending"],
    ["pending", "active"],
  ] as const) {
    const done = await withCustomerPartition(store, customerId, (state) => ({
      changes: [
        put.relationship({ ...state.relationships.get("rel-1")!.value, status: to }),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(from, to)),
      ],
      result: undefined,
    }));
    ids.push(...(done.receipt.outbox?.events.map((event) => event.id) ?? []));
    if (relay) await relayCommitted(rt, done.receipt.outbox);
  }
  return ids;
}

async function receivedAll(path: string, ids: readonly string[], what: string): Promise<Received[]> {
  const mine = () => received.filter((entry) => entry.path === path && entry.status === 200);
  await drill.invocations.until(
    () => ids.every((id) => mine().some((entry) => entry.event.id === id)),
    what,
    30_000,
  );
  return mine();
}

describe("events out", () => {
  it("a receiver failing its first attempts gets every event, duplicates only as redeliveries of an id, each partner only its own", async () => {
    const partnerA = uniqueId("pa");
    const partnerB = uniqueId("pb");
    // A fails every event's first two attempts (the n-th request overall: 500 until it has seen 6).
    const pathA = await subscribe(partnerA, (n) => (n <= 6 ? 500 : 200));
    const pathB = await subscribe(partnerB);
    const [idsA, idsB] = await Promise.all([relationshipLife(partnerA), relationshipLife(partnerB)]);

    const gotA = await receivedAll(pathA, idsA, "partner A's three events");
    const gotB = await receivedAll(pathB, idsB, "partner B's three events");
    expect(new Set(gotA.map((entry) => entry.event.id))).toEqual(new Set(idsA));
    expect(new Set(gotB.map((entry) => entry.event.id))).toEqual(new Set(idsB));
    expect(gotA.every((entry) => entry.verified && entry.event.partnerId === partnerA)).toBe(true);
    expect(gotB.every((entry) => entry.verified && entry.event.partnerId === partnerB)).toBe(true);
    // Six 500s, then each event once more: every repeat was a retry of the same id.
    const allA = received.filter((entry) => entry.path === pathA);
    expect(allA.filter((entry) => entry.status === 500)).toHaveLength(6);
    expect(new Set(allA.map((entry) => entry.event.id))).toEqual(new Set(idsA));
    expect(gotA).toHaveLength(3);

    // Ordered by sequence, the receiver sees the relationship's life in order.
    const byFirstSeen = new Map(gotA.map((entry) => [entry.event.id, entry.event]));
    const ordered = [...byFirstSeen.values()].sort((a, b) => a.sequence - b.sequence);
    expect(ordered.map((event) => [event.sequence, event.type])).toEqual([
      [1, "relationship-requested"],
      [2, "relationship-invitation-sent"],
      [3, "relationship-accepted"],
    ]);
    // The receiver answered before the dispatcher recorded it: wait for the records.
    await expect
      .poll(
        async () => (await listDeliveries(store, partnerA, "portal")).map((delivery) => delivery.status),
        {
          timeout: 10_000,
        },
      )
      .toEqual(["delivered", "delivered", "delivered"]);
  });

  it("an HTTP route's commit whose relay never happened: the timer's pass sends the events", async () => {
    const partnerId = uniqueId("pc");
    const path = await subscribe(partnerId);
    const ids = await relationshipLife(partnerId, false);
    expect(received.filter((entry) => entry.path === path)).toEqual([]);
    const report = await relayPending(runtime(), new Date(Date.now() + 120_000));
    expect(report.failed).toEqual([]);
    await receivedAll(path, ids, "the events the relay missed");
  });

  it("a processor that dies between commit and relay: the message's redelivery sends the events", async () => {
    const partnerId = uniqueId("pm");
    const path = await subscribe(partnerId);
    const customerId = uniqueId("cust");
    const submitted = aRelationship(customerId, "rel-1", { partnerId, status: "submitted" });
    // The intake's commit and the processor's, neither with a pointer; the processor's send fails.
    await commit(
      store,
      blankCustomerState(customerId),
      [
        put.relationship(submitted),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
      ],
      { outboxPointer: false },
    );
    const decide = stepOnce("relationship", "rel-1", "submitted", "pending");
    const crashed = await withCustomerPartitionForMessage(store, customerId, decide);
    const ids = [...crashed.state.outbox, crashed.receipt.outbox!].flatMap((row) =>
      row.events.map((event) => event.id),
    );
    const down = { store, sendEvents: () => Promise.reject(new Error("process died")) };
    await expect(relayOrRetry(down, crashed)).rejects.toThrow(/died/);
    // No pointer anywhere: the timer has nothing to go on.
    expect((await relayPending(runtime(), new Date(Date.now() + 120_000))).failed).toEqual([]);
    expect(received.filter((entry) => entry.path === path)).toEqual([]);

    // The message comes back: nothing left to decide, the events left in the partition go out.
    const redelivered = await withCustomerPartitionForMessage(store, customerId, decide);
    expect(redelivered.receipt.operations).toBe(0);
    await relayOrRetry(runtime(), redelivered);
    const got = await receivedAll(path, ids, "the events the crashed processor left");
    expect(got.map((entry) => entry.event.sequence).sort()).toEqual([1, 2]);
  });

  it("a migration processor that dies after its commit: the redelivery sends submitted and the decision's events, each delivered once", async () => {
    const partnerId = uniqueId("pg");
    const path = await subscribe(partnerId);
    const customerId = uniqueId("cust");
    // The intake's commit: the migration and its `submitted` event, no pointer.
    await commit(
      store,
      blankCustomerState(customerId),
      [
        put.migration(aMigration(customerId, "mig-1", { partnerId })),
        appendHistory({ kind: "migration", id: "mig-1" }, anEntry(null, "submitted")),
      ],
      { outboxPointer: false },
    );
    const decide = stepOnce("migration", "mig-1", "submitted", "rejected");
    const subjects = [{ kind: "migration", id: "mig-1" }] as const;
    const down = { store, sendEvents: () => Promise.reject(new Error("process died")) };
    await expect(withMessageCommit(down, customerId, subjects, decide)).rejects.toThrow(/died/);
    expect(received.filter((entry) => entry.path === path)).toEqual([]);

    // The message comes back: its commit stood, so the events go out again from the history.
    const redelivered = await withMessageCommit(runtime(), customerId, subjects, decide);
    expect(redelivered.receipt.operations).toBe(0);
    const ids = [1, 2].map((sequence) => eventIdFor(customerId, "migration", "mig-1", sequence));
    const got = await receivedAll(path, ids, "the submitted and rejected events");
    expect(got.map((entry) => entry.event.type).sort()).toEqual([
      "migration-rejected",
      "migration-submitted",
    ]);
    // A third delivery sends the same set once more: duplicate detection or the delivery records drop it.
    await withMessageCommit(runtime(), customerId, subjects, decide);
    await expect
      .poll(async () => (await listDeliveries(store, partnerId, "portal")).map((d) => d.status), {
        timeout: 10_000,
      })
      .toEqual(["delivered", "delivered"]);
    expect(received.filter((entry) => entry.path === path)).toHaveLength(2);
  });

  it("an older version's message of one event, queued at deploy time, is still dispatched", async () => {
    const partnerId = uniqueId("ph");
    const path = await subscribe(partnerId);
    const customerId = uniqueId("cust");
    const receipt = await commit(store, blankCustomerState(customerId), [
      put.relationship(aRelationship(customerId, "rel-1", { partnerId, status: "submitted" })),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
    ]);
    const event = receipt.outbox!.events[0]!;
    await runtime().sendEvents([
      { messageId: event.id, message: { schemaVersion: 1, type: "partner-event", event } },
    ]);
    const [got] = await receivedAll(path, [event.id], "the event of the old message");
    expect(got?.event).toEqual(event);
  });

  it("a receiver that hangs costs one time-out, then the retry delivers", async () => {
    const partnerId = uniqueId("pd");
    const path = await subscribe(partnerId, (n) => (n === 1 ? "hang" : 200));
    const customerId = uniqueId("cust");
    const receipt = await commit(store, blankCustomerState(customerId), [
      put.relationship(aRelationship(customerId, "rel-1", { partnerId, status: "submitted" })),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
    ]);
    await relayCommitted(runtime(), receipt.outbox);
    await receivedAll(path, [receipt.outbox!.events[0]!.id], "the event after one time-out");
    expect(counts.get(path)).toBe(2);
    await expect
      .poll(async () => (await listDeliveries(store, partnerId, "portal"))[0], { timeout: 10_000 })
      .toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("a dispatcher that crashes after the POST, before recording it: the event is redelivered, same id", async () => {
    const partnerId = uniqueId("pe");
    const path = await subscribe(partnerId);
    faults.arm({
      matches: (request) =>
        request.method === "PUT" &&
        decodeURIComponent(request.url).includes(`webhooks(PartitionKey='${partnerId}'`),
      timing: "before-sending",
    });
    const customerId = uniqueId("cust");
    const receipt = await commit(store, blankCustomerState(customerId), [
      put.relationship(aRelationship(customerId, "rel-1", { partnerId, status: "submitted" })),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
    ]);
    await relayCommitted(runtime(), receipt.outbox);
    const id = receipt.outbox!.events[0]!.id;
    await drill.invocations.until(
      () => received.filter((entry) => entry.path === path && entry.event.id === id).length >= 2,
      "the redelivery after the crash",
      30_000,
    );
    faults.disarm();
    expect(faults.fired).toHaveLength(1);
    const mine = received.filter((entry) => entry.path === path);
    expect(new Set(mine.map((entry) => entry.event.id))).toEqual(new Set([id]));
    await drill.invocations.until(
      () => drill.invocations.count("processPartnerEventMessage", "Failed") >= 1,
      "the crashed invocation",
    );
  });
});

describe("failed deliveries and manual redelivery", () => {
  async function ask(key: KeyCredentials, request: SignedRequest) {
    const response = await signedFetch(drill.baseUrl(), key, request);
    return { status: response.status, body: (await response.json()) as { items?: unknown[] } };
  }

  it("a delivery past its 10 attempts is listed as failed and redelivered with the same event id, by its own partner or the operator only", async () => {
    const partnerA = uniqueId("pf");
    const partnerB = uniqueId("pg");
    // Every attempt of the one event fails until the 12th: 10 retries, then a redelivery that fails too.
    const pathA = await subscribe(partnerA, (n) => (n <= 11 ? 500 : 200));
    await subscribe(partnerB);
    const keyA = await partnerKey(store, partnerA);
    const keyB = await partnerKey(store, partnerB);
    const deliveries = (partnerId: string, status: string) =>
      `partners/${partnerId}/webhooks/portal/deliveries?status=${status}`;
    const config = runtime().config;
    // Ten attempts in about 5 s rather than a day.
    setRuntimeForTests({ config: { ...config, WEBHOOK_RETRY_BASE_SECONDS: 0.01 } });
    try {
      const customerId = uniqueId("cust");
      const receipt = await commit(store, blankCustomerState(customerId), [
        put.relationship(aRelationship(customerId, "rel-1", { partnerId: partnerA, status: "submitted" })),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
      ]);
      await relayCommitted(runtime(), receipt.outbox);
      const eventId = receipt.outbox!.events[0]!.id;

      await expect
        .poll(async () => (await ask(keyA, { method: "GET", path: deliveries(partnerA, "failed") })).body, {
          timeout: 30_000,
          interval: 250,
        })
        .toMatchObject({
          items: [{ status: "failed", attempts: 10, lastResult: "HTTP 500", event: { id: eventId } }],
        });
      expect(counts.get(pathA)).toBe(10);
      const failed = await ask(keyA, { method: "GET", path: deliveries(partnerA, "failed") });
      const [item] = failed.body.items as { deliveryId: string }[];
      const redelivery = (partnerId: string) =>
        `partners/${partnerId}/webhooks/portal/deliveries/${item!.deliveryId}/redelivery`;

      // Another partner neither sees nor redelivers it; its own list holds nothing.
      const seenByB = await ask(keyB, { method: "GET", path: deliveries(partnerA, "failed") });
      expect(seenByB.status).toBe(404);
      expect(JSON.stringify(seenByB.body)).not.toContain(eventId);
      expect(await ask(keyB, { method: "GET", path: deliveries(partnerB, "failed") })).toEqual({
        status: 200,
        body: { items: [] },
      });
      for (const path of [`partners/${partnerA}/webhooks`, `partners/${partnerA}/webhooks/portal`]) {
        expect((await ask(keyB, { method: "GET", path })).status, path).toBe(404);
        expect((await ask(keyA, { method: "GET", path })).status, path).toBe(200);
      }
      expect((await ask(keyB, { method: "POST", path: redelivery(partnerA) })).status).toBe(403);
      expect((await ask(keyB, { method: "POST", path: redelivery(partnerB) })).status).toBe(404);

      // The operator sees it and redelivers: attempt 11 fails too, so it is failed again at once.
      expect(await ask(OPERATOR, { method: "GET", path: deliveries(partnerA, "failed") })).toEqual(failed);
      expect(await ask(OPERATOR, { method: "POST", path: redelivery(partnerA) })).toEqual({
        status: 202,
        body: { deliveryId: item!.deliveryId, status: "pending", attempt: 11 },
      });
      await expect
        .poll(async () => (await ask(keyA, { method: "GET", path: deliveries(partnerA, "failed") })).body, {
          timeout: 10_000,
        })
        .toMatchObject({ items: [{ deliveryId: item!.deliveryId, attempts: 11 }] });

      // Its own partner redelivers: the receiver takes it, and it is delivered.
      expect(await ask(keyA, { method: "POST", path: redelivery(partnerA) })).toMatchObject({
        status: 202,
        body: { attempt: 12 },
      });
      await expect
        .poll(
          async () => (await ask(keyA, { method: "GET", path: deliveries(partnerA, "delivered") })).body,
          {
            timeout: 10_000,
          },
        )
        .toMatchObject({ items: [{ deliveryId: item!.deliveryId, attempts: 12, lastResult: "HTTP 200" }] });
      expect((await ask(keyA, { method: "GET", path: deliveries(partnerA, "failed") })).body).toEqual({
        items: [],
      });
      const mine = received.filter((entry) => entry.path === pathA);
      expect(mine.map((entry) => entry.status)).toEqual([...Array<number>(11).fill(500), 200]);
      expect(mine.every((entry) => entry.event.id === eventId && entry.verified)).toBe(true);
      expect(counts.get(pathA)).toBe(12);
    } finally {
      setRuntimeForTests({ config });
    }
  });
});
