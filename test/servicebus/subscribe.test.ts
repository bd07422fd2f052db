/** `subscribe()`, as the Functions host's Service Bus trigger uses it: concurrency, completion, lock renewal. */
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";

import { sleep, testQueue, useEmulator } from "./support.js";

const bus = useEmulator([
  testQueue("auto-complete"),
  testQueue("manual-complete"),
  testQueue("long-handler", { lockDuration: "PT2S" }),
]);

describe("subscribe", () => {
  it("runs up to maxConcurrentCalls handlers at once and completes each message after it", async () => {
    const total = 24;
    await bus.client
      .createSender("auto-complete")
      .sendMessages(Array.from({ length: total }, (_, index) => ({ body: index })));
    const receiver = bus.client.createReceiver("auto-complete");
    const seen = new Set<number>();
    const errors: unknown[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const subscription = receiver.subscribe(
      {
        processMessage: async (message: ServiceBusReceivedMessage) => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(20);
          seen.add(message.body as number);
          running--;
        },
        processError: async (args) => {
          errors.push(args.error);
          return Promise.resolve();
        },
      },
      { maxConcurrentCalls: 4, autoCompleteMessages: true },
    );
    await bus.countsReach("auto-complete", { active: 0, locked: 0 }, { timeout: 15_000, interval: 50 });
    await subscription.close();
    await receiver.close();
    expect(seen.size).toBe(total);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
    expect(errors).toEqual([]);
  });

  it("leaves settlement to the handler without auto-completion, and abandons when it throws", async () => {
    await bus.client.createSender("manual-complete").sendMessages([
      { body: "good", messageId: "good" },
      { body: "flaky", messageId: "flaky" },
    ]);
    const receiver = bus.client.createReceiver("manual-complete");
    const attempts: [string, number][] = [];
    const subscription = receiver.subscribe(
      {
        processMessage: async (message) => {
          attempts.push([String(message.messageId), message.deliveryCount ?? -1]);
          if (message.messageId === "flaky" && message.deliveryCount === 0) throw new Error("try again");
          await receiver.completeMessage(message);
        },
        processError: async () => Promise.resolve(),
      },
      { maxConcurrentCalls: 2, autoCompleteMessages: false },
    );
    await bus.countsReach("manual-complete", { active: 0 }, { timeout: 15_000, interval: 50 });
    await subscription.close();
    await receiver.close();
    expect(attempts.sort()).toEqual([
      ["flaky", 0],
      ["flaky", 1],
      ["good", 0],
    ]);
  });

  it("keeps a long handler's lock alive with automatic lock renewal", async () => {
    await bus.client.createSender("long-handler").sendMessages({ body: "slow", messageId: "slow" });
    const renewalsBefore =
      bus.emulator.stats().operations.managementByOperation["com.microsoft:renew-lock"] ?? 0;
    const receiver = bus.client.createReceiver("long-handler", { maxAutoLockRenewalDurationInMs: 60_000 });
    const deliveries: number[] = [];
    const errors: unknown[] = [];
    const subscription = receiver.subscribe(
      {
        processMessage: async (message) => {
          deliveries.push(message.deliveryCount ?? -1);
          // More than twice the two-second lock.
          await sleep(4500);
        },
        processError: async (args) => {
          errors.push(args.error);
          return Promise.resolve();
        },
      },
      { maxConcurrentCalls: 1, autoCompleteMessages: true },
    );
    await bus.countsReach("long-handler", { active: 0 }, { timeout: 20_000, interval: 100 });
    await subscription.close();
    await receiver.close();
    expect(deliveries).toEqual([0]);
    expect(errors).toEqual([]);
    expect(bus.counts("long-handler")).toMatchObject({ deadLettered: 0 });
    const renewals = bus.emulator.stats().operations.managementByOperation["com.microsoft:renew-lock"] ?? 0;
    expect(renewals - renewalsBefore).toBeGreaterThanOrEqual(2);
  });
});
