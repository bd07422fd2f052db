/**
 * The dispatcher's memory of partners with no webhook subscription: such a partner's events cost no
 * round trip while it lasts; a partner with subscriptions is read afresh for every event.
 */
import { describe, expect, it } from "vitest";

import { WebhookCache } from "../../../shared/pipeline/webhookCache.js";
import { RoundTripCounter } from "../../../shared/storage/index.js";
import { putWebhook } from "../../../shared/storage/webhooks.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });

function aWebhook(partnerId: string) {
  return {
    partnerId,
    name: "portal",
    url: "https://portal.example/hooks",
    events: ["*"],
    masterVersion: "v1",
    secretNonce: "0".repeat(32),
    createdAt: new Date().toISOString(),
  };
}

describe("the webhook cache", () => {
  it("reads a partner with none once per TTL (once for events arriving together), one with some every time", async () => {
    let now = 1_000_000;
    const cache = new WebhookCache(store, 30_000, () => now);
    const partnerId = uniqueId("partner");
    await store.table("webhooks");

    counter.reset();
    expect(await Promise.all(Array.from({ length: 5 }, () => cache.subscriptions(partnerId)))).toEqual(
      Array.from({ length: 5 }, () => []),
    );
    expect(await cache.subscriptions(partnerId)).toEqual([]);
    expect(counter.total).toBe(1);

    // Put on another instance: seen once the TTL has passed.
    await putWebhook(store, aWebhook(partnerId));
    counter.reset();
    expect(await cache.subscriptions(partnerId)).toEqual([]);
    now += 30_001;
    expect(await cache.subscriptions(partnerId)).toHaveLength(1);
    expect(await cache.subscriptions(partnerId)).toHaveLength(1);
    expect(counter.total).toBe(2);
  });

  it("reads afresh at once after a PUT on this instance", async () => {
    const cache = new WebhookCache(store, 30_000, () => 0);
    const partnerId = uniqueId("partner");
    expect(await cache.subscriptions(partnerId)).toEqual([]);
    await putWebhook(store, aWebhook(partnerId));
    cache.forget(partnerId);
    expect(await cache.subscriptions(partnerId)).toHaveLength(1);
  });
});
