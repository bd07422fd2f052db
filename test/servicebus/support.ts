/** Shared pieces of the emulator's tests: short-lived queues and a client that fails fast. */
import { ServiceBusClient, type ServiceBusReceivedMessage, isServiceBusError } from "@azure/service-bus";

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
