/**
 * One Service Bus client per process, created on first send (the SDK is loaded then, not at cold
 * start); one sender per queue.
 */
import { createHash } from "node:crypto";

import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from "@azure/service-bus";

import { getConfig, type Config } from "../config.js";
import { managedIdentityCredential } from "../identity.js";
import { tracedSend } from "../telemetry/tracing.js";
import { QUEUES, type PartnerEventMessage, type QueueMessage, type SweepMessage } from "./messages.js";

type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

let client: Promise<ServiceBusClient> | undefined;
const senders = new Map<QueueName, Promise<ServiceBusSender>>();

function serviceBusClient(): Promise<ServiceBusClient> {
  client ??= createClient();
  return client;
}

function createClient(): Promise<ServiceBusClient> {
  return createServiceBusClient(getConfig());
}

/** A client from the settings: the connection string when set, else the namespace with the identity. */
export async function createServiceBusClient(
  settings: Pick<
    Config,
    "ServiceBusConnection" | "ServiceBusConnection__fullyQualifiedNamespace" | "AZURE_CLIENT_ID"
  >,
): Promise<ServiceBusClient> {
  const { ServiceBusClient } = await import("./serviceBusSdk.js");
  if (settings.ServiceBusConnection !== undefined) return new ServiceBusClient(settings.ServiceBusConnection);
  const namespace = settings.ServiceBusConnection__fullyQualifiedNamespace;
  if (namespace === undefined)
    throw new Error("ServiceBusConnection or its __fullyQualifiedNamespace must be set");
  return new ServiceBusClient(namespace, await managedIdentityCredential(settings.AZURE_CLIENT_ID));
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
export function sendMessage(
  queue: QueueName,
  message: QueueMessage,
  options: { messageId?: string; scheduledAt?: Date } = {},
): Promise<void> {
  return sendOne(queue, message, options.messageId ?? message.requestId, options.scheduledAt, {});
}

/** A message sent again later, under an id of its own (a scheduled redelivery, shared/pipeline/queueTrigger.ts). */
export interface ScheduledCopy {
  readonly messageId: string;
  readonly body: { readonly type: string; readonly schemaVersion: number };
  readonly scheduledAt: Date;
  /** Besides the routing ones every message carries (customer, partner, schema version). */
  readonly applicationProperties: Readonly<Record<string, string | number>>;
}

/** Sends a scheduled copy of a message, routed as the original was. */
export function sendScheduledCopy(queue: QueueName, copy: ScheduledCopy): Promise<void> {
  return sendOne(queue, copy.body, copy.messageId, copy.scheduledAt, copy.applicationProperties);
}

async function sendOne(
  queue: QueueName,
  body: ScheduledCopy["body"],
  messageId: string,
  scheduledAt: Date | undefined,
  properties: ScheduledCopy["applicationProperties"],
): Promise<void> {
  await tracedSend(queue, messageId, async (traceHeaders) => {
    await (
      await sender(queue)
    ).sendMessages({
      messageId,
      body,
      contentType: "application/json",
      subject: body.type,
      ...(scheduledAt === undefined ? {} : { scheduledEnqueueTimeUtc: scheduledAt }),
      applicationProperties: {
        ...("customerId" in body && typeof body.customerId === "string"
          ? { customerId: body.customerId }
          : {}),
        ...("partnerId" in body && typeof body.partnerId === "string" ? { partnerId: body.partnerId } : {}),
        schemaVersion: body.schemaVersion,
        ...properties,
        ...traceHeaders,
      },
    });
  });
}

/**
 * Sends one message per customer to sweep, in as few batches as fit (one round trip each). A
 * message's id is its run's time and customer, so a run sent twice is dropped by duplicate
 * detection.
 */
export async function sendSweepMessages(messages: readonly SweepMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const queue = QUEUES.sweeps;
  const first = messages[0];
  await tracedSend(queue, `${first?.asOf ?? ""} ×${messages.length}`, async (traceHeaders) => {
    const opened = await sender(queue);
    let batch = await opened.createMessageBatch();
    for (const message of messages) {
      const envelope = sweepEnvelope(message, traceHeaders);
      if (batch.tryAddMessage(envelope)) continue;
      if (batch.count === 0) throw new Error(`sweep message for ${message.customerId} exceeds a batch`);
      await opened.sendMessages(batch);
      batch = await opened.createMessageBatch();
      if (!batch.tryAddMessage(envelope))
        throw new Error(`sweep message for ${message.customerId} exceeds a batch`);
    }
    if (batch.count > 0) await opened.sendMessages(batch);
  });
}

function sweepEnvelope(message: SweepMessage, traceHeaders: Record<string, string>): ServiceBusMessage {
  return {
    messageId: createHash("sha256").update(`${message.asOf}\n${message.customerId}`).digest("hex"),
    body: message,
    contentType: "application/json",
    subject: message.type,
    applicationProperties: {
      customerId: message.customerId,
      schemaVersion: message.schemaVersion,
      ...traceHeaders,
    },
  };
}

/** A message for the partner-events queue with its id (duplicates collapse) and, for a retry, when. */
export interface OutgoingEvent {
  readonly messageId: string;
  readonly message: PartnerEventMessage;
  readonly scheduledAt?: Date | undefined;
}

/** Sends partner-events messages in as few batches as fit (one round trip each). */
export async function sendPartnerEvents(messages: readonly OutgoingEvent[]): Promise<void> {
  if (messages.length === 0) return;
  const queue = QUEUES.events;
  await tracedSend(queue, `${messages[0]?.messageId ?? ""} ×${messages.length}`, async (traceHeaders) => {
    const opened = await sender(queue);
    const envelope = ({ messageId, message, scheduledAt }: OutgoingEvent): ServiceBusMessage => ({
      messageId,
      body: message,
      contentType: "application/json",
      subject: message.type,
      ...(scheduledAt === undefined ? {} : { scheduledEnqueueTimeUtc: scheduledAt }),
      applicationProperties: { schemaVersion: message.schemaVersion, ...traceHeaders },
    });
    let batch = await opened.createMessageBatch();
    for (const message of messages) {
      if (batch.tryAddMessage(envelope(message))) continue;
      if (batch.count === 0) throw new Error(`event message ${message.messageId} exceeds a batch`);
      await opened.sendMessages(batch);
      batch = await opened.createMessageBatch();
      if (!batch.tryAddMessage(envelope(message)))
        throw new Error(`event message ${message.messageId} exceeds a batch`);
    }
    if (batch.count > 0) await opened.sendMessages(batch);
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
