import { describe, expect, it } from "vitest";

import {
  claim,
  complete,
  hashRequest,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  release,
  RoundTripCounter,
  type IdempotencyScope,
  type StoredResponse,
} from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });

const body = JSON.stringify({ partnerId: "partner-1", customerId: "cust-1", items: [] });
const requestHash = hashRequest({ method: "POST", route: "/api/migrations", body });
const accepted = (id: string): StoredResponse => ({
  status: 202,
  headers: { Location: `/api/migrations/${id}`, "Content-Type": "application/json" },
  body: JSON.stringify({ id, status: "submitted" }),
});

function scope(): IdempotencyScope {
  return { partnerId: uniqueId("partner"), key: `key/with?odd#chars ${uniqueId("k")}` };
}

describe("idempotency keys", () => {
  it("hashes method, route and body", () => {
    expect(requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRequest({ method: "post", route: "/api/migrations", body })).toBe(requestHash);
    expect(hashRequest({ method: "POST", route: "/api/relationship-requests", body })).not.toBe(requestHash);
    expect(hashRequest({ method: "POST", route: "/api/migrations", body: `${body} ` })).not.toBe(requestHash);
  });

  it("claims a new key in one round trip, then replays the completed response", async () => {
    const key = scope();
    await store.table("idempotency"); // created once per process, not per claim
    counter.reset();
    expect(await claim(store, key, requestHash)).toEqual({ kind: "new", planned: undefined });
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { insert: 1 } });

    await complete(store, key, requestHash, accepted("mig-1"), { requestId: "mig-1" });
    expect(await claim(store, key, requestHash)).toEqual({ kind: "replay", response: accepted("mig-1") });
  });

  it("answers mismatch for the same key with another body, and in-flight while the first is being taken", async () => {
    const key = scope();
    await claim(store, key, requestHash);
    const other = hashRequest({ method: "POST", route: "/api/migrations", body: "{}" });
    expect(await claim(store, key, other)).toEqual({ kind: "mismatch" });
    expect(await claim(store, key, requestHash)).toEqual({ kind: "in-flight" });
  });

  it("scopes keys to the partner", async () => {
    const key = scope();
    await claim(store, key, requestHash);
    expect(await claim(store, { ...key, partnerId: uniqueId("another") }, requestHash)).toMatchObject({
      kind: "new",
    });
  });

  it("stores the planned response with the claim and replays it once the request's record exists", async () => {
    const key = scope();
    const planned = { requestId: uniqueId("mig"), response: accepted("planned") };
    expect(await claim(store, key, requestHash, { planned })).toEqual({ kind: "new", planned });

    const created = new Set<string>();
    const confirm = (requestId: string) => Promise.resolve(created.has(requestId));
    expect(await claim(store, key, requestHash, { confirm })).toEqual({ kind: "in-flight" });
    created.add(planned.requestId);
    expect(await claim(store, key, requestHash, { confirm })).toEqual({
      kind: "replay",
      response: planned.response,
    });
  });

  it("lets exactly one of 20 concurrent claims of one key win", async () => {
    const key = scope();
    const results = await Promise.all(Array.from({ length: 20 }, () => claim(store, key, requestHash)));
    expect(results.filter((result) => result.kind === "new")).toHaveLength(1);
    expect(results.filter((result) => result.kind === "in-flight")).toHaveLength(19);
  });

  it("treats an expired record as absent and overwrites it", async () => {
    const key = scope();
    const now = new Date("2025-01-10T09:00:00.000Z");
    await claim(store, key, requestHash, { now });
    await complete(store, key, requestHash, accepted("old"), { now });
    const dayLater = new Date(now.getTime() + IDEMPOTENCY_TTL_MS - 1);
    expect(await claim(store, key, requestHash, { now: dayLater })).toMatchObject({ kind: "replay" });

    const expired = new Date(now.getTime() + IDEMPOTENCY_TTL_MS);
    const other = hashRequest({ method: "POST", route: "/api/migrations", body: "{}" });
    expect(await claim(store, key, other, { now: expired })).toMatchObject({ kind: "new" });
    expect(await claim(store, key, other, { now: expired })).toEqual({ kind: "in-flight" });
  });

  it("takes over a claim abandoned past its lease, keeping the earlier plan so both attempts share one id", async () => {
    const key = scope();
    const now = new Date("2025-01-10T09:00:00.000Z");
    const planned = { requestId: uniqueId("mig"), response: accepted("first") };
    await claim(store, key, requestHash, { planned, now });

    const confirm = () => Promise.resolve(false);
    const soon = new Date(now.getTime() + IDEMPOTENCY_LEASE_MS - 1);
    expect(await claim(store, key, requestHash, { confirm, now: soon })).toEqual({ kind: "in-flight" });

    const abandoned = new Date(now.getTime() + IDEMPOTENCY_LEASE_MS);
    const second = { requestId: uniqueId("mig"), response: accepted("second") };
    const takeovers = await Promise.all(
      [1, 2, 3].map(() => claim(store, key, requestHash, { planned: second, confirm, now: abandoned })),
    );
    expect(takeovers.filter((result) => result.kind === "new")).toEqual([{ kind: "new", planned }]);
  });

  it("releases a key so it can be claimed again", async () => {
    const key = scope();
    await claim(store, key, requestHash);
    await release(store, key);
    await release(store, key);
    const other = hashRequest({ method: "POST", route: "/api/migrations", body: "{}" });
    expect(await claim(store, key, other)).toMatchObject({ kind: "new" });
  });
});
