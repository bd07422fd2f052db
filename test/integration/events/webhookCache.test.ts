/**
 * The dispatcher's memory of partners with no webhook subscription: such a partner's events cost no
 * round trip while it lasts, and are not even sent; a partner with subscriptions is read afresh for
 * every event.
 */
import { describe, expect, it } from "vitest";

import type { EventEnvelope } from "../../../shared/events/catalogue.js";
import type { OutgoingEvent } from "../../../shared/messaging/sender.js";
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

  it("keeps the committed events of a partner known to have none off the queue, and nothing else", async () => {
    let now = 1_000_000;
    const cache = new WebhookCache(store, 30_000, () => now);
    const [none, unknown, subscribed] = [uniqueId("partner"), uniqueId("partner"), uniqueId("partner")];
    await putWebhook(store, aWebhook(subscribed));
    expect(await cache.subscriptions(none)).toEqual([]);
    expect(await cache.subscriptions(subscribed)).toHaveLength(1);
    // Only partnerId is read from an event here.
    const events = (...partners: string[]): OutgoingEvent => ({
      messageId: partners.join("+"),
      message: {
        schemaVersion: 1,
        type: "partner-events",
        events: partners.map((partnerId) => ({ partnerId }) as unknown as EventEnvelope),
      },
    });
    const attempt: OutgoingEvent = {
      messageId: "attempt",
      message: {
        schemaVersion: 1,
        type: "webhook-delivery",
        partnerId: none,
        webhook: "portal",
        deliveryId: "dlv_1",
        attempt: 2,
      },
    };
    const messages = [events(none), events(unknown), events(subscribed), events(none, unknown), attempt];
    const ids = (kept: readonly OutgoingEvent[]) => kept.map((message) => message.messageId);
    expect(ids(cache.worthSending(messages))).toEqual([unknown, subscribed, `${none}+${unknown}`, "attempt"]);
    // Once the TTL has passed, or after a PUT on this instance, they go again.
    now += 30_001;
    expect(cache.worthSending([events(none)])).toHaveLength(1);
    expect(await cache.subscriptions(none)).toEqual([]);
    expect(cache.worthSending([events(none)])).toHaveLength(0);
    cache.forget(none);
    expect(cache.worthSending([events(none)])).toHaveLength(1);
  });
});
