/** Sending, receiving and peeking with the real SDK; messages come back exactly as they were sent. */
import type { ServiceBusMessage, ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";

import { errorOf, sequenceNumberOf, testQueue, useEmulator } from "./support.js";

const QUEUES = ["peek-lock", "delete", "abandon", "batches", "fidelity", "ids", "drain", "peek"] as const;
const bus = useEmulator(QUEUES.map((name) => testQueue(name)));

async function receiveAll(queue: string, expected: number): Promise<ServiceBusReceivedMessage[]> {
  const receiver = bus.client.createReceiver(queue, { receiveMode: "receiveAndDelete" });
  const received: ServiceBusReceivedMessage[] = [];
  while (received.length < expected) {
    const batch = await receiver.receiveMessages(expected - received.length, { maxWaitTimeInMs: 5000 });
    if (batch.length === 0) break;
    received.push(...batch);
  }
  await receiver.close();
  return received;
}

describe("peek-lock and receive-and-delete", () => {
  it("locks in peek-lock mode until the message is completed", async () => {
    const operationsOn = () => bus.emulator.stats().operations.byEntity["peek-lock"] ?? 0;
    const before = operationsOn();
    await bus.client.createSender("peek-lock").sendMessages({ body: "work", messageId: "m-1" });
    const receiver = bus.client.createReceiver("peek-lock");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(message).toMatchObject({ body: "work", messageId: "m-1", deliveryCount: 0, state: "active" });
    expect(message?.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(message?.lockedUntilUtc?.getTime()).toBeGreaterThan(Date.now());
    expect(bus.counts("peek-lock")).toMatchObject({ active: 1, locked: 1 });

    await receiver.completeMessage(message!);
    expect(bus.counts("peek-lock")).toMatchObject({ active: 0, locked: 0 });
    // Counted against the queue: the send, the delivery and the settlement.
    expect(operationsOn()).toBe(before + 3);
    await receiver.close();
  });

  it("removes messages as it delivers them in receive-and-delete mode", async () => {
    await bus.client.createSender("delete").sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = bus.client.createReceiver("delete", { receiveMode: "receiveAndDelete" });
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5000 });
    expect(messages.map((message): unknown => message.body)).toEqual([1, 2]);
    expect(messages.every((message) => message.lockToken === undefined)).toBe(true);
    expect(bus.counts("delete")).toMatchObject({ active: 0 });
    await receiver.close();
  });

  it("redelivers an abandoned message with its delivery count raised", async () => {
    await bus.client.createSender("abandon").sendMessages({ body: "again", messageId: "abandon-1" });
    const receiver = bus.client.createReceiver("abandon");
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.abandonMessage(first!);
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(second).toMatchObject({ messageId: "abandon-1", deliveryCount: 1 });
    expect(sequenceNumberOf(second!)).toBe(sequenceNumberOf(first!));
    await receiver.completeMessage(second!);
    await receiver.close();
  });
});

describe("batches", () => {
  it("stores a message batch and an array of messages, in order", async () => {
    const sender = bus.client.createSender("batches");
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBeGreaterThan(0);
    for (let index = 0; index < 50; index++)
      expect(batch.tryAddMessage({ body: `batch-${index}` })).toBe(true);
    const sendsBefore = bus.emulator.stats().operations.sendRequests;
    await sender.sendMessages(batch);
    await sender.sendMessages(Array.from({ length: 30 }, (_, index) => ({ body: `array-${index}` })));
    expect(bus.emulator.stats().operations.sendRequests).toBe(sendsBefore + 2);

    const received = await receiveAll("batches", 80);
    expect(received.map((message): unknown => message.body)).toEqual([
      ...Array.from({ length: 50 }, (_, index) => `batch-${index}`),
      ...Array.from({ length: 30 }, (_, index) => `array-${index}`),
    ]);
    const sequenceNumbers = received.map(sequenceNumberOf);
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => a - b));
    expect(new Set(sequenceNumbers).size).toBe(80);
  });
});

describe("fidelity", () => {
  const when = new Date("2024-05-06T07:08:09.010Z");

  it("passes every property and application property through with its type", async () => {
    const properties = {
      messageId: "fidelity-1",
      contentType: "application/octet-stream",
      correlationId: "correlation-1",
      subject: "subject-1",
      to: "somewhere",
      replyTo: "replies",
      timeToLive: 60_000,
    };
    const sent: ServiceBusMessage = {
      body: Buffer.from([0, 1, 2, 250, 255]),
      ...properties,
      applicationProperties: {
        when,
        count: 42,
        negative: -7,
        big: 2 ** 40,
        ratio: 0.25,
        flag: true,
        label: "x",
      },
    };
    await bus.client.createSender("fidelity").sendMessages(sent);
    const receiver = bus.client.createReceiver("fidelity", {
      receiveMode: "receiveAndDelete",
      skipConvertingDate: true,
    });
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(received).toMatchObject(properties);
    expect(Buffer.isBuffer(received?.body)).toBe(true);
    expect(received?.body).toEqual(sent.body);
    expect(received?._rawAmqpMessage.bodyType).toBe("data");
    expect(received?.applicationProperties).toEqual(sent.applicationProperties);
    expect(received?.applicationProperties?.when).toBeInstanceOf(Date);
    expect(received?.expiresAtUtc?.getTime()).toBe((received?.enqueuedTimeUtc?.getTime() ?? 0) + 60_000);
    await receiver.close();
  });

  it("keeps JSON bodies and AMQP value and sequence bodies as they were sent", async () => {
    const json = { name: "Contoso", items: [1, "two", { three: 3 }], none: null };
    // AMQP-annotated messages: the SDK sends these bodies as amqp-value and amqp-sequence sections.
    const value = { body: { nested: { list: [1, 2] } }, bodyType: "value" as const };
    const sequence = { body: [[1, "a"], [true]], bodyType: "sequence" as const };
    const sender = bus.client.createSender("fidelity");
    await sender.sendMessages({ body: json, contentType: "application/json" });
    await sender.sendMessages(value);
    await sender.sendMessages(sequence);
    const [fromJson, fromValue, fromSequence] = await receiveAll("fidelity", 3);
    expect(fromJson?.body).toEqual(json);
    expect(fromJson?.contentType).toBe("application/json");
    expect(fromValue?._rawAmqpMessage.bodyType).toBe("value");
    expect(fromValue?.body).toEqual(value.body);
    expect(fromSequence?._rawAmqpMessage.bodyType).toBe("sequence");
    expect(fromSequence?.body).toEqual(sequence.body);
  });

  it("converts dates to numbers unless asked not to, as the SDK does with Service Bus", async () => {
    await bus.client.createSender("fidelity").sendMessages({ body: "d", applicationProperties: { when } });
    const [received] = await receiveAll("fidelity", 1);
    expect(received?.applicationProperties?.when).toBe(when.getTime());
  });
});

describe("size", () => {
  it("carries a large message whole, and refuses one over Service Bus's 256 KB", async () => {
    const large = Buffer.alloc(200 * 1024, 7);
    const sender = bus.client.createSender("fidelity");
    await sender.sendMessages({ body: large });
    const [received] = await receiveAll("fidelity", 1);
    expect(Buffer.compare(received?.body as Buffer, large)).toBe(0);

    const error = await errorOf(sender.sendMessages({ body: Buffer.alloc(300 * 1024) }));
    expect(error.code).toBe("MessageSizeExceeded");
  });
});

describe("message ids", () => {
  it("gives a message without an id one of its own, and keeps a sender's", async () => {
    await bus.client
      .createSender("ids")
      .sendMessages([{ body: "anonymous" }, { body: "named", messageId: "mine" }]);
    const [anonymous, named] = await receiveAll("ids", 2);
    expect(anonymous?.messageId).toMatch(/^[0-9a-f]{32}$/);
    expect(named?.messageId).toBe("mine");
  });
});

describe("drain", () => {
  it("answers a drain, so an empty receive keeps its link", async () => {
    const receiver = bus.client.createReceiver("drain");
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 })).toEqual([]);
    const attached = bus.emulator.stats().operations.linksAttached;
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 })).toEqual([]);
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 })).toEqual([]);
    // Without a drain answer the SDK closes the link and attaches a new one for the next receive.
    expect(bus.emulator.stats().operations.linksAttached).toBe(attached);

    const sender = bus.client.createSender("drain");
    await sender.sendMessages({ body: "after drain" });
    const [message] = await receiver.receiveMessages(5, { maxWaitTimeInMs: 5000 });
    expect(message?.body).toBe("after drain");
    await receiver.completeMessage(message!);
    await receiver.close();
  });
});

describe("peek", () => {
  it("shows messages from a sequence number on without locking them", async () => {
    await bus.client.createSender("peek").sendMessages([{ body: "a" }, { body: "b" }, { body: "c" }]);
    const receiver = bus.client.createReceiver("peek");
    const all = await receiver.peekMessages(10);
    expect(all.map((message): unknown => message.body)).toEqual(["a", "b", "c"]);
    expect(all.every((message) => message.lockToken === undefined)).toBe(true);

    const second = all[1]!.sequenceNumber;
    const fromSecond = await receiver.peekMessages(10, { fromSequenceNumber: second });
    expect(fromSecond.map((message): unknown => message.body)).toEqual(["b", "c"]);
    expect(await receiver.peekMessages(1, { fromSequenceNumber: second })).toHaveLength(1);

    const received = await receiver.receiveMessages(3, { maxWaitTimeInMs: 5000 });
    expect(received.map((message): unknown[] => [message.body, message.deliveryCount])).toEqual([
      ["a", 0],
      ["b", 0],
      ["c", 0],
    ]);
    for (const message of received) await receiver.completeMessage(message);
    expect(await receiver.peekMessages(10, { fromSequenceNumber: all[0]!.sequenceNumber })).toEqual([]);
    await receiver.close();
  });
});
