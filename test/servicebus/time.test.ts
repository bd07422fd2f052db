/** What time does to messages: expiry, duplicate-detection windows and scheduled delivery. */
import { describe, expect, it } from "vitest";

import { sleep, testQueue, useEmulator } from "./support.js";

const bus = useEmulator([
  testQueue("expire-to-dlq"),
  testQueue("expire-and-drop", { deadLetteringOnMessageExpiration: false }),
  testQueue("short-default-ttl", { defaultMessageTimeToLive: "PT1S" }),
  testQueue("dedupe", { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: "PT1S" }),
  testQueue("no-dedupe"),
  testQueue("schedule"),
]);

describe("time to live", () => {
  it("dead-letters an expired message when the queue says so", async () => {
    await bus.client
      .createSender("expire-to-dlq")
      .sendMessages({ body: "stale", messageId: "ttl-1", timeToLive: 300 });
    const dlq = bus.client.createReceiver("expire-to-dlq", { subQueueType: "deadLetter" });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 10_000 });
    expect(dead).toMatchObject({
      messageId: "ttl-1",
      body: "stale",
      deadLetterReason: "TTLExpiredException",
    });
    expect(dead?.deadLetterErrorDescription).toMatch(/expired/);
    expect(bus.counts("expire-to-dlq")).toMatchObject({ active: 0 });
    await dlq.completeMessage(dead!);
    await dlq.close();
  });

  it("drops an expired message when the queue does not dead-letter on expiry", async () => {
    await bus.client.createSender("expire-and-drop").sendMessages({ body: "stale", timeToLive: 300 });
    expect(bus.counts("expire-and-drop")).toMatchObject({ active: 1 });
    await bus.countsReach(
      "expire-and-drop",
      { active: 0, deadLettered: 0 },
      { timeout: 10_000, interval: 100 },
    );
  });

  it("applies the queue's default time to live, which also caps a longer one", async () => {
    const sender = bus.client.createSender("short-default-ttl");
    await sender.sendMessages([{ body: "default" }, { body: "too long", timeToLive: 3_600_000 }]);
    const [peeked] = await bus.client.createReceiver("short-default-ttl").peekMessages(1);
    expect(peeked?.timeToLive).toBe(1000);
    await bus.countsReach(
      "short-default-ttl",
      { active: 0, deadLettered: 2 },
      { timeout: 10_000, interval: 100 },
    );
  });

  it("does not deliver a message that expired while it waited", async () => {
    await bus.client.createSender("expire-to-dlq").sendMessages({ body: "gone", timeToLive: 200 });
    await sleep(400);
    const receiver = bus.client.createReceiver("expire-to-dlq");
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
  });
});

describe("duplicate detection", () => {
  it("drops a message whose id was seen within the window, and takes it again after", async () => {
    const sender = bus.client.createSender("dedupe");
    const dropped = bus.emulator.stats().operations.duplicatesDropped;
    await sender.sendMessages({ body: 1, messageId: "order-1" });
    await sender.sendMessages([
      { body: 2, messageId: "order-1" },
      { body: 3, messageId: "order-2" },
    ]);
    expect(bus.counts("dedupe")).toMatchObject({ active: 2 });
    expect(bus.emulator.stats().operations.duplicatesDropped).toBe(dropped + 1);

    await sleep(1200);
    await sender.sendMessages({ body: 4, messageId: "order-1" });
    const receiver = bus.client.createReceiver("dedupe", { receiveMode: "receiveAndDelete" });
    const bodies: unknown[] = [];
    while (bodies.length < 3) {
      const batch = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2000 });
      if (batch.length === 0) break;
      bodies.push(...batch.map((message): unknown => message.body));
    }
    expect(bodies).toEqual([1, 3, 4]);
    await receiver.close();
  });

  it("keeps duplicates when the queue does not detect them", async () => {
    await bus.client.createSender("no-dedupe").sendMessages([
      { body: 1, messageId: "same" },
      { body: 2, messageId: "same" },
    ]);
    expect(bus.counts("no-dedupe")).toMatchObject({ active: 2 });
  });
});

describe("scheduled messages", () => {
  it("delivers a scheduled message at its time, not before", async () => {
    const sender = bus.client.createSender("schedule");
    const at = new Date(Date.now() + 1000);
    const [sequenceNumber] = await sender.scheduleMessages({ body: "on time", messageId: "scheduled-1" }, at);
    expect(bus.counts("schedule")).toMatchObject({ scheduled: 1, active: 0 });

    const receiver = bus.client.createReceiver("schedule");
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber });
    expect(peeked).toMatchObject({ state: "scheduled", messageId: "scheduled-1" });
    expect(peeked?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);

    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 10_000 });
    expect(message?.body).toBe("on time");
    expect(message?.sequenceNumber?.toNumber()).toBe(sequenceNumber?.toNumber());
    expect(message?.enqueuedTimeUtc?.getTime()).toBe(at.getTime());
    await receiver.completeMessage(message!);
    await receiver.close();
  });

  it("cancels scheduled messages", async () => {
    const sender = bus.client.createSender("schedule");
    const later = new Date(Date.now() + 3_600_000);
    const sequenceNumbers = await sender.scheduleMessages([{ body: "a" }, { body: "b" }], later);
    expect(sequenceNumbers).toHaveLength(2);
    expect(bus.counts("schedule")).toMatchObject({ scheduled: 2 });
    await sender.cancelScheduledMessages(sequenceNumbers);
    expect(bus.counts("schedule")).toMatchObject({ scheduled: 0, active: 0 });
    expect(await bus.client.createReceiver("schedule").peekMessages(5)).toEqual([]);
  });

  it("schedules a sent message that carries a scheduled enqueue time", async () => {
    const sender = bus.client.createSender("schedule");
    await sender.sendMessages({
      body: "via send",
      scheduledEnqueueTimeUtc: new Date(Date.now() + 3_600_000),
    });
    expect(bus.counts("schedule")).toMatchObject({ scheduled: 1 });
    const [peeked] = await bus.client.createReceiver("schedule").peekMessages(1);
    await sender.cancelScheduledMessages(peeked!.sequenceNumber!);
    expect(bus.counts("schedule")).toMatchObject({ scheduled: 0 });
  });
});
