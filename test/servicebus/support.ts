/** Shared pieces of the emulator's tests: an emulator per file, short-lived queues and a client that fails fast. */
import { ServiceBusClient, type ServiceBusReceivedMessage, isServiceBusError } from "@azure/service-bus";
import { afterAll, beforeAll, expect, vi } from "vitest";

import {
  type ServiceBusEmulator,
  type ServiceBusEmulatorOptions,
  startServiceBusEmulator,
} from "../../local/servicebus/emulator.js";
import type { EntityCounts } from "../../local/servicebus/stats.js";
import type { QueueDefinition } from "../../local/servicebus/topology.js";

/** A queue with test-friendly settings: short lock, three deliveries, dead-lettering on expiry. */
export function testQueue(
  name: string,
  overrides: Partial<Omit<QueueDefinition, "name">> = {},
): QueueDefinition {
  return {
    name,
    lockDuration: "PT5S",
    maxDeliveryCount: 3,
    requiresDuplicateDetection: false,
    duplicateDetectionHistoryTimeWindow: "PT1M",
    defaultMessageTimeToLive: "P1D",
    deadLetteringOnMessageExpiration: true,
    ...overrides,
  };
}

/** The SDK, unchanged, with retries kept short so a refusal surfaces at once. */
export function testClient(connectionString: string): ServiceBusClient {
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 } });
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** The Service Bus error code of a rejection, for `expect(...).rejects` checks. */
export async function errorOf(operation: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await operation;
  } catch (error) {
    if (isServiceBusError(error)) return { code: error.code, message: error.message };
    return { code: "not a ServiceBusError", message: String(error) };
  }
  throw new Error("expected the operation to fail");
}

export function sequenceNumberOf(message: ServiceBusReceivedMessage): number {
  if (!message.sequenceNumber) throw new Error("the message has no sequence number");
  return message.sequenceNumber.toNumber();
}

/** A running emulator and a client on it, for the tests of one file. */
export interface EmulatorUnderTest {
  readonly emulator: ServiceBusEmulator;
  readonly client: ServiceBusClient;
  /** The queue's message counts as the emulator reports them now. */
  counts(queue: string): EntityCounts | undefined;
  /** Resolves once the queue's counts match `expected`; fails the test if they do not within `timeout`. */
  countsReach(
    queue: string,
    expected: Partial<EntityCounts>,
    wait: { timeout: number; interval: number },
  ): Promise<void>;
}

/**
 * Starts an emulator serving `queues` on a free port (and a client on it) before the file's tests,
 * and closes both after them. Read `emulator` and `client` inside tests, once they have started.
 */
export function useEmulator(
  queues: readonly QueueDefinition[],
  options: Pick<ServiceBusEmulatorOptions, "log"> = {},
): EmulatorUnderTest {
  let running: { emulator: ServiceBusEmulator; client: ServiceBusClient } | undefined;
  beforeAll(async () => {
    const emulator = await startServiceBusEmulator({
      ...options,
      port: 0,
      topology: { queues: [...queues] },
    });
    running = { emulator, client: testClient(emulator.connectionString) };
  });
  afterAll(async () => {
    await running?.client.close();
    await running?.emulator.close();
  });
  const started = () => {
    if (running === undefined) throw new Error("the emulator starts in beforeAll: use it inside a test");
    return running;
  };
  return {
    get emulator() {
      return started().emulator;
    },
    get client() {
      return started().client;
    },
    counts: (queue) => started().emulator.stats().entities[queue],
    countsReach: async (queue, expected, wait) => {
      await vi.waitFor(() => {
        expect(started().emulator.stats().entities[queue]).toMatchObject(expected);
      }, wait);
    },
  };
}
