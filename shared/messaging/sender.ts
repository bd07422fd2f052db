/** One Service Bus client per process, created on first send; one sender per queue. */
import { DefaultAzureCredential } from "@azure/identity";
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";

import { getConfig } from "../config.js";
import type { MigrationMessage, QUEUES, RelationshipMessage } from "./messages.js";

type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

let client: ServiceBusClient | undefined;
const senders = new Map<QueueName, ServiceBusSender>();

function serviceBusClient(): ServiceBusClient {
  if (client === undefined) {
    const config = getConfig();
    client =
      config.ServiceBusConnection !== undefined
        ? new ServiceBusClient(config.ServiceBusConnection)
        : new ServiceBusClient(
            // config guarantees one of the two is set
            config.ServiceBusConnection__fullyQualifiedNamespace ?? "",
            new DefaultAzureCredential(
              config.AZURE_CLIENT_ID === undefined ? {} : { managedIdentityClientId: config.AZURE_CLIENT_ID },
            ),
          );
  }
  return client;
}

function sender(queue: QueueName): ServiceBusSender {
  let existing = senders.get(queue);
  if (existing === undefined) {
    existing = serviceBusClient().createSender(queue);
    senders.set(queue, existing);
  }
  return existing;
}

/** Sends one message whose id is its request id, so a re-send is dropped by duplicate detection. */
export async function sendMessage(
  queue: QueueName,
  message: RelationshipMessage | MigrationMessage,
  options: { messageId?: string } = {},
): Promise<void> {
  await sender(queue).sendMessages({
    messageId: options.messageId ?? message.requestId,
    body: message,
    contentType: "application/json",
    subject: message.type,
    applicationProperties: { customerId: message.customerId, schemaVersion: message.schemaVersion },
  });
}

/** Whether Service Bus answers: a peek on the given queue (no lock, no side effect). */
export async function probeServiceBus(queue: QueueName): Promise<void> {
  const receiver = serviceBusClient().createReceiver(queue, { receiveMode: "receiveAndDelete" });
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
  await closing?.close();
}
