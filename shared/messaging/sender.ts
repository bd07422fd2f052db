/**
 * One Service Bus client per process, created on first send (the SDK is loaded then, not at cold
 * start); one sender per queue.
 */
import type { ServiceBusClient, ServiceBusSender } from "@azure/service-bus";

import { getConfig } from "../config.js";
import { managedIdentityCredential } from "../identity.js";
import { tracedSend } from "../telemetry/tracing.js";
import type { MigrationMessage, QUEUES, RelationshipMessage } from "./messages.js";

type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

let client: Promise<ServiceBusClient> | undefined;
const senders = new Map<QueueName, Promise<ServiceBusSender>>();

function serviceBusClient(): Promise<ServiceBusClient> {
  client ??= createClient();
  return client;
}

async function createClient(): Promise<ServiceBusClient> {
  const { ServiceBusClient } = await import("@azure/service-bus");
  const config = getConfig();
  if (config.ServiceBusConnection !== undefined) return new ServiceBusClient(config.ServiceBusConnection);
  // config guarantees one of the two is set
  const namespace = config.ServiceBusConnection__fullyQualifiedNamespace ?? "";
  return new ServiceBusClient(namespace, await managedIdentityCredential(config.AZURE_CLIENT_ID));
}

function sender(queue: QueueName): Promise<ServiceBusSender> {
  let existing = senders.get(queue);
  if (existing === undefined) {
    existing = serviceBusClient().then((opened) => opened.createSender(queue));
    senders.set(queue, existing);
  }
  return existing;
}

/**
 * Sends one message whose id is its request id, so a re-send is dropped by duplicate detection. Its
 * application properties carry the W3C trace context, so the processor continues the sender's trace.
 */
export async function sendMessage(
  queue: QueueName,
  message: RelationshipMessage | MigrationMessage,
  options: { messageId?: string } = {},
): Promise<void> {
  const messageId = options.messageId ?? message.requestId;
  await tracedSend(queue, messageId, async (traceHeaders) => {
    await (
      await sender(queue)
    ).sendMessages({
      messageId,
      body: message,
      contentType: "application/json",
      subject: message.type,
      applicationProperties: {
        customerId: message.customerId,
        schemaVersion: message.schemaVersion,
        ...traceHeaders,
      },
    });
  });
}

/** Whether Service Bus answers: a peek on the given queue (no lock, no side effect). */
export async function probeServiceBus(queue: QueueName): Promise<void> {
  const receiver = (await serviceBusClient()).createReceiver(queue, { receiveMode: "receiveAndDelete" });
  try {
    await receiver.peekMessages(1);
  } finally {
    await receiver.close();
  }
}

/** Closes the client; the local host and tests call it on shutdown. */
export async function closeServiceBus(): Promise<void> {
  const closing = client;
  client = undefined;
  senders.clear();
  await (await closing?.catch(() => undefined))?.close();
}
