/**
 * Behaviours where the emulator once differed from Service Bus in ways the SDK can tell apart:
 * delivery counts of deferred and dead-lettered messages, scheduling, the AMQP header and
 * not-found errors. Each runs through the unchanged SDK.
 */
import type { ServiceBusReceiver } from "@azure/service-bus";
import { describe, expect, it } from "vitest";

import { MAX_MESSAGE_SIZE } from "../../local/servicebus/message-size.js";
import { errorOf, testQueue, useEmulator } from "./support.js";

const bus = useEmulator([
  testQueue("deferred-count"),
  testQueue("dlq-abandon"),
  testQueue("dlq-dead-letter", { lockDuration: "PT1M" }),
  testQueue("schedule-size"),
  testQueue("schedule-state"),
  testQueue("first-acquirer"),
]);

/** A receiver that leaves lock renewal to the test. */
function manualReceiver(queue: string, subQueue?: "deadLetter"): ServiceBusReceiver {
  return bus.client.createReceiver(queue, {
    maxAutoLockRenewalDurationInMs: 0,
    ...(subQueue === undefined ? {} : { subQueueType: subQueue }),
  });
}

/** Sends one message and moves it to the queue's dead-letter queue; returns a receiver on that. */
async function deadLettered(queue: string): Promise<ServiceBusReceiver> {
  await bus.client.createSender(queue).sendMessages({ body: "poison" });
  const receiver = manualReceiver(queue);
  const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
  await receiver.deadLetterMessage(message!);
  await receiver.close();
  return manualReceiver(queue, "deadLetter");
}

describe("deferred messages", () => {
  it("count a receive by sequence number as a delivery", async () => {
    await bus.client.createSender("deferred-count").sendMessages({ body: "later" });
    const receiver = manualReceiver("deferred-count");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(message?.deliveryCount).toBe(0);
    await receiver.deferMessage(message!);

    const [deferred] = await receiver.receiveDeferredMessages(message!.sequenceNumber!);
    expect(deferred?.deliveryCount).toBe(1);
    await receiver.renewMessageLock(deferred!);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: message!.sequenceNumber! });
    expect(peeked?.deliveryCount).toBe(1);

    await receiver.deadLetterMessage(deferred!);
    const deadLetters = manualReceiver("deferred-count", "deadLetter");
    const [deadLetter] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(deadLetter?.deliveryCount).toBe(1);
    await deadLetters.completeMessage(deadLetter!);
    await Promise.all([receiver.close(), deadLetters.close()]);
  });
});

describe("dead-letter queues", () => {
  it("do not raise the delivery count of an abandoned message", async () => {
    const deadLetters = await deadLettered("dlq-abandon");
    const [first] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(first?.deliveryCount).toBe(0);
    await deadLetters.abandonMessage(first!);
    const [again] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(again?.messageId).toBe(first?.messageId);
    expect(again?.deliveryCount).toBe(0);
    await deadLetters.completeMessage(again!);
    await deadLetters.close();
  });

  it("refuse to dead-letter a message again, and release its lock at once", async () => {
    const deadLetters = await deadLettered("dlq-dead-letter");
    const [first] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await expect(deadLetters.deadLetterMessage(first!)).rejects.toThrow(/cannot be dead-lettered/);
    // The lock lasts a minute: the message is back well before it could expire.
    const [again] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(again?.messageId).toBe(first?.messageId);
    expect(again?.deliveryCount).toBe(first?.deliveryCount);
    await deadLetters.completeMessage(again!);
    await deadLetters.close();
  });
});

describe("scheduled messages", () => {
  it("are refused past the size limit", async () => {
    const sender = bus.client.createSender("schedule-size");
    const oversized = { body: Buffer.alloc(MAX_MESSAGE_SIZE + 1) };
    const error = await errorOf(sender.scheduleMessages(oversized, new Date(Date.now() + 60_000)));
    expect(error.code).toBe("MessageSizeExceeded");
    expect(bus.counts("schedule-size")).toMatchObject({ scheduled: 0, active: 0 });
    await sender.close();
  });

  it("report the state 'scheduled' once received", async () => {
    const sender = bus.client.createSender("schedule-state");
    await sender.scheduleMessages({ body: "soon" }, new Date(Date.now() + 500));
    const receiver = manualReceiver("schedule-state");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(message?.body).toBe("soon");
    expect(message?.state).toBe("scheduled");
    await receiver.completeMessage(message!);
    await Promise.all([sender.close(), receiver.close()]);
  });
});

describe("the AMQP header", () => {
  it("keeps firstAcquirer as the sender set it, on every delivery", async () => {
    const sender = bus.client.createSender("first-acquirer");
    // An annotated message (it has a bodyType) is the SDK's way to set the header.
    await sender.sendMessages({ body: "set", bodyType: "value", header: { firstAcquirer: true } });
    await sender.sendMessages({ body: "unset" });
    const receiver = manualReceiver("first-acquirer");
    const seen: Record<string, boolean | undefined> = {};
    for (const settle of ["abandonMessage", "completeMessage"] as const) {
      const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5000 });
      while (messages.length < 2) {
        messages.push(...(await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 })));
      }
      for (const message of messages) {
        seen[`${String(message.body)} ${message.deliveryCount}`] =
          message._rawAmqpMessage.header?.firstAcquirer;
        await receiver[settle](message);
      }
    }
    expect(seen).toEqual({ "set 0": true, "set 1": true, "unset 0": false, "unset 1": false });
    await Promise.all([sender.close(), receiver.close()]);
  });
});

describe("entities that do not exist", () => {
  it("are named by their full address in the not-found error", async () => {
    const error = await errorOf(bus.client.createSender("nowhere").sendMessages({ body: 1 }));
    expect(error.code).toBe("MessagingEntityNotFound");
    expect(error.message).toContain(`'sb://${bus.emulator.host}/nowhere' could not be found`);
  });

  it("include topics and subscriptions, which are not found rather than not implemented", async () => {
    for (const receiver of [
      bus.client.createReceiver("events", "audit"),
      bus.client.createReceiver("events", "audit", { subQueueType: "deadLetter" }),
    ]) {
      const error = await errorOf(receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }));
      expect(error.code).toBe("MessagingEntityNotFound");
      expect(error.message).toContain(`'sb://${bus.emulator.host}/events/Subscriptions/audit`);
    }
    const error = await errorOf(bus.client.createSender("events").sendMessages({ body: 1 }));
    expect(error.code).toBe("MessagingEntityNotFound");
  });
});
