/** Only declared queues exist; what the emulator does not implement is refused with a clear error. */
import rhea, { type EventContext } from "rhea";
import { describe, expect, it } from "vitest";

import { errorOf, testQueue, useEmulator } from "./support.js";

const log: string[] = [];
const bus = useEmulator([testQueue("orders")], { log: (line) => log.push(line) });

describe("entities", () => {
  it("refuses to send to an undeclared queue with amqp:not-found", async () => {
    const error = await errorOf(bus.client.createSender("nowhere").sendMessages({ body: 1 }));
    expect(error.code).toBe("MessagingEntityNotFound");
  });

  it("refuses to receive from an undeclared queue, and from its dead-letter queue", async () => {
    for (const receiver of [
      bus.client.createReceiver("nowhere"),
      bus.client.createReceiver("nowhere", { subQueueType: "deadLetter" }),
    ]) {
      const error = await errorOf(receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }));
      expect(error.code).toBe("MessagingEntityNotFound");
    }
  });

  it("matches queue names case-insensitively, as Service Bus does", async () => {
    await bus.client.createSender("ORDERS").sendMessages({ body: "upper" });
    const [message] = await bus.client
      .createReceiver("orders", { receiveMode: "receiveAndDelete" })
      .receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(message?.body).toBe("upper");
  });

  it("refuses to send to a dead-letter queue", async () => {
    const error = await errorOf(bus.client.createSender("orders/$DeadLetterQueue").sendMessages({ body: 1 }));
    expect(error.message).toMatch(/only by being dead-lettered/);
  });
});

describe("not implemented", () => {
  it("refuses a session receiver", async () => {
    const refusedBefore = bus.emulator.stats().operations.linksRefused;
    const error = await errorOf(bus.client.acceptSession("orders", "session-1"));
    // The SDK words this refusal itself; the emulator's reason is in its log.
    expect(error.code).toBe("SessionCannotBeLocked");
    expect(bus.emulator.stats().operations.linksRefused).toBe(refusedBefore + 1);
    expect(log.some((line) => line.includes("amqp:not-implemented: Sessions are not supported"))).toBe(true);
  });

  it("refuses a transaction coordinator link", async () => {
    // The SDK for JavaScript has no transactions, so attach a coordinator as a .NET client would.
    const container = rhea.create_container();
    const connection = container.connect({
      host: "127.0.0.1",
      port: bus.emulator.port,
      username: "anonymous",
      reconnect: false,
    });
    try {
      const sender = connection.open_sender({ name: "coordinator" });
      // A target described as amqp:coordinator:list (0x30) instead of amqp:target:list.
      const coordinator: unknown = rhea.types.described(
        rhea.types.wrap_ulong(0x30),
        rhea.types.wrap_list([]),
      );
      (sender as unknown as { local: { attach: { target: unknown } } }).local.attach.target = coordinator;
      const condition = await new Promise<string>((resolve) => {
        sender.on("sender_error", (context: EventContext) => {
          resolve(String((context.sender?.error as { condition?: string } | undefined)?.condition));
        });
      });
      expect(condition).toBe("amqp:not-implemented");
      expect(log.some((line) => line.includes("Transactions are not supported"))).toBe(true);
    } finally {
      connection.close();
    }
  });
});
