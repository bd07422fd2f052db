import path from "node:path";
import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";
import { startServiceBusEmulator, type ServiceBusEmulator } from "../../local/servicebus/index.js";
import { probe, type ReceivedMessage } from "./fixtures/probe.js";
import { collectingLogger, fixturesDir, invocationsOf } from "./helpers.js";

const queue = (name: string, maxDeliveryCount = 10) => ({
  name,
  lockDuration: "PT30S",
  maxDeliveryCount,
  requiresDuplicateDetection: false,
  duplicateDetectionHistoryTimeWindow: "PT1M",
  defaultMessageTimeToLive: "P1D",
  deadLetteringOnMessageExpiration: true,
});

const { log, entries } = collectingLogger();
let emulator: ServiceBusEmulator;
let client: ServiceBusClient;
let host: LocalHost;

beforeAll(async () => {
  emulator = await startServiceBusEmulator({
    port: 0,
    topology: { queues: [queue("work", 3), queue("concurrent"), queue("manual")] },
  });
  client = new ServiceBusClient(emulator.connectionString);
  host = await startLocalHost({
    rootDir: path.join(fixturesDir, "serviceBusApp"),
    modules: ["functions.ts"],
    port: 0,
    hostname: "127.0.0.1",
    log,
    localSettingsPath: false,
    env: { ServiceBusConnection: emulator.connectionString, WORK_QUEUE: "work" },
  });
});

afterAll(async () => {
  probe.concurrencyRelease.open();
  probe.messageRelease.open();
  await host.close();
  await client.close();
  await emulator.close();
});

function received(predicate: (entry: ReceivedMessage) => boolean): ReceivedMessage[] {
  return probe.messages.filter(predicate);
}

async function messagesLeftIn(queueName: string): Promise<number> {
  const receiver = client.createReceiver(queueName);
  try {
    return (await receiver.peekMessages(10)).length;
  } finally {
    await receiver.close();
  }
}

describe("Service Bus queue triggers", () => {
  it("delivers the parsed body and the host's trigger metadata, then completes the message", async () => {
    await client.createSender("work").sendMessages({
      body: { hello: "world", items: [1, 2] },
      messageId: "message-1",
      contentType: "application/json",
      correlationId: "correlation-1",
      subject: "greeting",
      applicationProperties: { tenant: "t-1", attempt: 5 },
    });
    await vi.waitFor(() => {
      expect(received((entry) => entry.triggerMetadata?.messageId === "message-1")).toHaveLength(1);
    });
    const [delivery] = received((entry) => entry.triggerMetadata?.messageId === "message-1");
    expect(delivery?.functionName).toBe("processWork");
    expect(delivery?.message).toEqual({ hello: "world", items: [1, 2] });
    expect(delivery?.triggerMetadata).toMatchObject({
      messageId: "message-1",
      deliveryCount: 1,
      contentType: "application/json",
      correlationId: "correlation-1",
      subject: "greeting",
      label: "greeting",
      applicationProperties: { tenant: "t-1", attempt: 5 },
      userProperties: { tenant: "t-1", attempt: 5 },
      lockToken: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ) as unknown,
      sequenceNumber: expect.any(Number) as unknown,
      enqueuedTimeUtc: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/) as unknown,
      enqueuedTime: expect.stringMatching(/\+00:00$/) as unknown,
      expiresAtUtc: expect.any(String) as unknown,
    });
    await vi.waitFor(async () => {
      expect(await messagesLeftIn("work")).toBe(0);
    });
    expect(
      invocationsOf(entries, "processWork").find((entry) => entry.invocationId === delivery?.invocationId),
    ).toMatchObject({ outcome: "Succeeded" });
  });

  it("abandons a message whose function throws, until the queue dead-letters it", async () => {
    await client.createSender("work").sendMessages({ body: { poison: true }, messageId: "poison-1" });
    const deadLetters = client.createReceiver("work", { subQueueType: "deadLetter" });
    try {
      const [deadLettered] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 20_000 });
      expect(deadLettered?.messageId).toBe("poison-1");
      expect(deadLettered?.body).toEqual({ poison: true });
      expect(deadLettered?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
      if (deadLettered !== undefined) await deadLetters.completeMessage(deadLettered);
    } finally {
      await deadLetters.close();
    }
    const attempts = received((entry) => entry.triggerMetadata?.messageId === "poison-1");
    expect(attempts.map((entry) => entry.triggerMetadata?.deliveryCount)).toEqual([1, 2, 3]);
    const ids = new Set(attempts.map((entry) => entry.invocationId));
    const failures = invocationsOf(entries, "processWork").filter((entry) => ids.has(entry.invocationId));
    expect(failures.map((entry) => [entry.outcome, entry.error])).toEqual([
      ["Failed", "Error: poison message"],
      ["Failed", "Error: poison message"],
      ["Failed", "Error: poison message"],
    ]);
  });

  it("runs no more invocations at once than host.json maxConcurrentCalls", async () => {
    await client
      .createSender("concurrent")
      .sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: { n }, messageId: `concurrent-${n}` })));
    await vi.waitFor(() => {
      expect(probe.concurrency.active).toBe(2);
    });
    // Give the broker time to hand over more than allowed, were the limit not applied.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(probe.concurrency.highest).toBe(2);
    probe.concurrencyRelease.open();
    await vi.waitFor(() => {
      expect(received((entry) => entry.functionName === "concurrent")).toHaveLength(5);
      expect(probe.concurrency.active).toBe(0);
    });
    expect(probe.concurrency.highest).toBe(2);
    await vi.waitFor(async () => {
      expect(await messagesLeftIn("concurrent")).toBe(0);
    });
  });

  it("leaves settlement to the function when autoCompleteMessages is false", async () => {
    await client.createSender("manual").sendMessages({ body: "keep me", messageId: "manual-1" });
    await vi.waitFor(() => {
      expect(received((entry) => entry.triggerMetadata?.messageId === "manual-1")).toHaveLength(1);
    });
    const invocationId = received((entry) => entry.triggerMetadata?.messageId === "manual-1")[0]
      ?.invocationId;
    await vi.waitFor(() => {
      expect(
        invocationsOf(entries, "settledByFunction").find((entry) => entry.invocationId === invocationId),
      ).toMatchObject({ outcome: "Succeeded" });
    });
    // Neither completed nor abandoned: still in the queue, delivered once.
    expect(await messagesLeftIn("manual")).toBe(1);
    expect(received((entry) => entry.triggerMetadata?.messageId === "manual-1")).toHaveLength(1);
    expect(entries).toContainEqual(
      expect.objectContaining({
        kind: "host",
        level: "warning",
        message: expect.stringContaining("'settledByFunction': autoCompleteMessages is false") as unknown,
      }),
    );
  });

  it("on close, stops taking messages but lets a running invocation finish and complete its message", async () => {
    await client
      .createSender("work")
      .sendMessages({ body: { waitForRelease: true }, messageId: "in-flight-1" });
    await probe.messageStarted.opened;
    let closed = false;
    const closing = host.close().then(() => {
      closed = true;
    });
    await client.createSender("work").sendMessages({ body: { after: "close" }, messageId: "late-1" });
    expect(closed).toBe(false);

    probe.messageRelease.open();
    await closing;
    const finished = invocationsOf(entries, "processWork").find(
      (entry) =>
        entry.invocationId ===
        received((delivery) => delivery.triggerMetadata?.messageId === "in-flight-1")[0]?.invocationId,
    );
    expect(finished).toMatchObject({ outcome: "Succeeded" });
    // The message sent during shutdown was not processed; it waits in the queue.
    expect(received((entry) => entry.triggerMetadata?.messageId === "late-1")).toHaveLength(0);
    const receiver = client.createReceiver("work");
    try {
      const left = await receiver.peekMessages(10);
      expect(left.map((message) => message.messageId)).toEqual(["late-1"]);
    } finally {
      await receiver.close();
    }
  });
});
