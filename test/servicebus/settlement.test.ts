/** Settling messages: defer, dead-letter, lock expiry and renewal, and settling through $management. */
import type { ServiceBusReceiver } from "@azure/service-bus";
import { describe, expect, it } from "vitest";

import { errorOf, sequenceNumberOf, sleep, testQueue, useEmulator } from "./support.js";

const bus = useEmulator([
  testQueue("defer"),
  testQueue("dead-letter"),
  testQueue("abandon-properties"),
  testQueue("short-lock", { lockDuration: "PT1S" }),
  testQueue("renew", { lockDuration: "PT2S" }),
  testQueue("max-delivery", { maxDeliveryCount: 2 }),
  testQueue("closed-link"),
]);

/** A receiver that leaves lock renewal to the test. */
function manualReceiver(queue: string): ServiceBusReceiver {
  return bus.client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 });
}

function management(operation: string): number {
  return bus.emulator.stats().operations.managementByOperation[`com.microsoft:${operation}`] ?? 0;
}

describe("defer", () => {
  it("sets a message aside until it is received by sequence number", async () => {
    await bus.client.createSender("defer").sendMessages({ body: "later", messageId: "deferred-1" });
    const receiver = manualReceiver("defer");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    const sequenceNumber = message!.sequenceNumber!;
    await receiver.deferMessage(message!);

    expect(bus.emulator.stats().entities.defer).toMatchObject({ active: 0, deferred: 1, locked: 0 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber });
    expect(peeked?.state).toBe("deferred");

    const [deferred] = await receiver.receiveDeferredMessages(sequenceNumber);
    expect(deferred).toMatchObject({ messageId: "deferred-1", state: "deferred", body: "later" });
    expect(deferred?.lockToken).toBeDefined();
    const dispositions = management("update-disposition");
    // A deferred message has no delivery link: the SDK settles it with $management update-disposition.
    await receiver.completeMessage(deferred!);
    expect(management("update-disposition")).toBe(dispositions + 1);
    expect(bus.emulator.stats().entities.defer).toMatchObject({ active: 0, deferred: 0 });
    await receiver.close();
  });

  it("refuses to receive by sequence number a message that is not deferred", async () => {
    await bus.client.createSender("defer").sendMessages({ body: "active" });
    const receiver = manualReceiver("defer");
    const [peeked] = await receiver.peekMessages(1);
    const error = await errorOf(receiver.receiveDeferredMessages(peeked!.sequenceNumber!));
    expect(error.code).toBe("MessageNotFound");
    await receiver.close();
  });
});

describe("dead-letter", () => {
  it("moves a message to the dead-letter queue with reason, description and changed properties", async () => {
    await bus.client.createSender("dead-letter").sendMessages({
      body: { order: 7 },
      messageId: "poison-1",
      applicationProperties: { source: "portal" },
    });
    const receiver = manualReceiver("dead-letter");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: "ValidationFailed",
      deadLetterErrorDescription: "customer id is missing",
      checkedBy: "rules",
    });
    expect(bus.emulator.stats().entities["dead-letter"]).toMatchObject({ active: 0, deadLettered: 1 });

    const deadLetters = manualReceiver("dead-letter");
    const dlq = bus.client.createReceiver("dead-letter", {
      subQueueType: "deadLetter",
      maxAutoLockRenewalDurationInMs: 0,
    });
    expect(await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(dead).toMatchObject({
      messageId: "poison-1",
      body: { order: 7 },
      deadLetterReason: "ValidationFailed",
      deadLetterErrorDescription: "customer id is missing",
    });
    expect(sequenceNumberOf(dead!)).toBe(sequenceNumberOf(message!));
    expect(dead?.applicationProperties).toMatchObject({ source: "portal", checkedBy: "rules" });
    expect((await dlq.peekMessages(5)).map((peeked) => peeked.messageId)).toEqual(["poison-1"]);

    const error = await errorOf(dlq.deadLetterMessage(dead!));
    expect(error.message).toMatch(/cannot be dead-lettered/);
    await Promise.all([receiver.close(), deadLetters.close(), dlq.close()]);
  });

  it("empties the dead-letter queue when its messages are completed", async () => {
    await bus.client.createSender("dead-letter").sendMessages({ body: "second" });
    const receiver = manualReceiver("dead-letter");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.deadLetterMessage(message!);
    const dlq = bus.client.createReceiver("dead-letter", { subQueueType: "deadLetter" });
    const dead = await dlq.receiveMessages(5, { maxWaitTimeInMs: 1000 });
    const second = dead.find((candidate) => candidate.body === "second");
    expect(second?.deadLetterReason).toBeUndefined();
    await dlq.completeMessage(second!);
    expect((await dlq.peekMessages(5)).some((peeked) => peeked.body === "second")).toBe(false);
    await Promise.all([receiver.close(), dlq.close()]);
  });
});

describe("abandon", () => {
  it("applies the properties to modify", async () => {
    await bus.client
      .createSender("abandon-properties")
      .sendMessages({ body: "x", applicationProperties: { tries: 0 } });
    const receiver = manualReceiver("abandon-properties");
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.abandonMessage(first!, { tries: 1, reason: "busy" });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(second?.applicationProperties).toEqual({ tries: 1, reason: "busy" });
    expect(second?.deliveryCount).toBe(1);
    await receiver.completeMessage(second!);
    await receiver.close();
  });
});

describe("locks", () => {
  it("redelivers when a lock expires, and refuses a late renewal or settlement with message-lock-lost", async () => {
    await bus.client.createSender("short-lock").sendMessages({ body: "slow", messageId: "slow-1" });
    const receiver = manualReceiver("short-lock");
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(first?.deliveryCount).toBe(0);
    // Waits for the one-second lock to lapse and the message to come back.
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 10_000 });
    expect(again).toMatchObject({ messageId: "slow-1", deliveryCount: 1 });
    expect(again?.lockToken).not.toBe(first?.lockToken);

    expect((await errorOf(receiver.renewMessageLock(first!))).code).toBe("MessageLockLost");
    expect((await errorOf(receiver.completeMessage(first!))).code).toBe("MessageLockLost");
    await receiver.completeMessage(again!);
    expect(bus.emulator.stats().entities["short-lock"]).toMatchObject({ active: 0 });
    await receiver.close();
  });

  it("renews a lock so the message can be settled after its first lock would have lapsed", async () => {
    await bus.client.createSender("renew").sendMessages({ body: "long job" });
    const receiver = manualReceiver("renew");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    const firstLock = message!.lockedUntilUtc!;
    await sleep(1500);
    const renewed = await receiver.renewMessageLock(message!);
    expect(renewed.getTime()).toBeGreaterThan(firstLock.getTime());
    await sleep(1000);
    await receiver.completeMessage(message!);
    expect(bus.emulator.stats().entities.renew).toMatchObject({ active: 0, deadLettered: 0 });
    expect(management("renew-lock")).toBeGreaterThan(0);
    await receiver.close();
  });

  it("dead-letters a message after its maximum delivery count", async () => {
    await bus.client.createSender("max-delivery").sendMessages({ body: "poison", messageId: "poison-2" });
    const receiver = manualReceiver("max-delivery");
    for (let attempt = 0; attempt < 2; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
      expect(message?.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(message!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const dlq = bus.client.createReceiver("max-delivery", { subQueueType: "deadLetter" });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(dead).toMatchObject({
      messageId: "poison-2",
      deliveryCount: 2,
      deadLetterReason: "MaxDeliveryCountExceeded",
    });
    expect(dead?.deadLetterErrorDescription).toMatch(/2 delivery attempts/);
    await dlq.completeMessage(dead!);
    await Promise.all([receiver.close(), dlq.close()]);
  });
});

describe("settling through $management", () => {
  it("completes a message whose receive link has closed, by update-disposition", async () => {
    await bus.client.createSender("closed-link").sendMessages({ body: "orphan" });
    const first = manualReceiver("closed-link");
    const [message] = await first.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await first.close();

    const second = manualReceiver("closed-link");
    const dispositions = management("update-disposition");
    await second.completeMessage(message!);
    expect(management("update-disposition")).toBe(dispositions + 1);
    expect(bus.emulator.stats().entities["closed-link"]).toMatchObject({ active: 0, locked: 0 });
    await second.close();
  });
});
