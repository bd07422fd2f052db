/**
 * The dead-letter queue of one queue, for an operator: list, show one whole, replay (send the
 * original message back to its queue, then remove the dead letter — never the other way round) and
 * purge. Messages are chosen by message id or sequence number (`ids`), or all of them.
 */
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus";

import { errorMessage } from "../../shared/errors.js";
import { REDELIVERY_PROPERTIES } from "../../shared/messaging/messages.js";
import type { AuditLog } from "./actor.js";
import { peekAll } from "./peek.js";

export interface DeadLetterSummary {
  readonly sequenceNumber: string;
  readonly messageId: string | undefined;
  readonly reason: string | undefined;
  readonly description: string | undefined;
  readonly deliveryCount: number | undefined;
  readonly enqueuedTime: string | undefined;
}

export type Selection = { readonly all: true } | { readonly ids: readonly string[] };

function idOf(message: ServiceBusReceivedMessage): string | undefined {
  return message.messageId === undefined ? undefined : String(message.messageId);
}

function sequenceOf(message: ServiceBusReceivedMessage): string {
  return message.sequenceNumber?.toString() ?? "";
}

function selected(selection: Selection, message: ServiceBusReceivedMessage): boolean {
  if ("all" in selection) return true;
  return selection.ids.some((id) => id === idOf(message) || id === sequenceOf(message));
}

export function summarize(message: ServiceBusReceivedMessage): DeadLetterSummary {
  return {
    sequenceNumber: sequenceOf(message),
    messageId: idOf(message),
    reason: message.deadLetterReason,
    description: message.deadLetterErrorDescription,
    deliveryCount: message.deliveryCount,
    enqueuedTime: message.enqueuedTimeUtc?.toISOString(),
  };
}

export async function listDeadLetters(client: ServiceBusClient, queue: string): Promise<DeadLetterSummary[]> {
  return (await peekAll(client, queue, "deadLetter")).map(summarize);
}

/** One dead letter whole: its summary, body, properties and the broker's annotations. */
export async function showDeadLetter(
  client: ServiceBusClient,
  queue: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const message = (await peekAll(client, queue, "deadLetter")).find((peeked) =>
    selected({ ids: [id] }, peeked),
  );
  if (message === undefined) return undefined;
  return {
    ...summarize(message),
    contentType: message.contentType,
    subject: message.subject,
    correlationId: message.correlationId,
    applicationProperties: message.applicationProperties,
    body: Buffer.isBuffer(message.body) ? { base64: message.body.toString("base64") } : message.body,
    annotations: message._rawAmqpMessage.messageAnnotations,
  };
}

/** What replay and purge did to each chosen dead letter. */
export interface Settled {
  readonly sequenceNumber: string;
  readonly messageId: string | undefined;
  readonly outcome: "replayed" | "purged" | "failed";
  readonly replayedAs?: string;
  readonly error?: string;
}

/**
 * Receives (peek-lock) the chosen dead letters among those there now, hands each to `settle`, and
 * lets every other one go unchanged (an abandon in a dead-letter queue counts no delivery).
 */
async function forEachChosen(
  client: ServiceBusClient,
  queue: string,
  selection: Selection,
  settle: (receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage) => Promise<Settled>,
): Promise<Settled[]> {
  // Only what is dead-lettered now: a replayed message that fails again must not come round twice.
  const wanted = new Set(
    (await peekAll(client, queue, "deadLetter")).filter((m) => selected(selection, m)).map(sequenceOf),
  );
  const done: Settled[] = [];
  if (wanted.size === 0) return done;
  const receiver = client.createReceiver(queue, { subQueueType: "deadLetter", receiveMode: "peekLock" });
  const passedOver: ServiceBusReceivedMessage[] = [];
  try {
    while (wanted.size > 0) {
      const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 2_000 });
      if (batch.length === 0) break;
      for (const message of batch) {
        if (wanted.delete(sequenceOf(message))) done.push(await settle(receiver, message));
        else passedOver.push(message);
      }
    }
  } finally {
    for (const message of passedOver) await receiver.abandonMessage(message).catch(() => undefined);
    await receiver.close();
  }
  return done;
}

/** A message as AMQP carries it (the SDK's AmqpAnnotatedMessage). */
type AmqpMessage = ServiceBusReceivedMessage["_rawAmqpMessage"];

/** Broker annotations a new send must not carry; the partition keys stay. */
const BROKER_ANNOTATION = /^x-opt-(?!partition-key$|via-partition-key$)/;
/** Dead-lettering's own, and a scheduled redelivery's count: a replay starts a fresh budget. */
const DEAD_LETTER_PROPERTIES = new Set<string>([
  "DeadLetterReason",
  "DeadLetterErrorDescription",
  ...REDELIVERY_PROPERTIES,
]);
const MAX_MESSAGE_ID = 128;

/**
 * The message as its sender sent it (sections as they were encoded), with an id of its own: the
 * queue's duplicate detection would drop the original id inside its window. The id is the same for
 * the same dead letter, so a replay retried after its send is dropped, not doubled.
 */
export function replayOf(message: ServiceBusReceivedMessage): AmqpMessage {
  const raw = message._rawAmqpMessage;
  const suffix = `.replay-${sequenceOf(message)}`;
  const original = idOf(message) ?? "message";
  const messageId = `${original.slice(0, MAX_MESSAGE_ID - suffix.length)}${suffix}`;
  const { deliveryCount: _deliveryCount, ...header } = raw.header ?? {};
  const { absoluteExpiryTime: _expiry, creationTime: _created, ...properties } = raw.properties ?? {};
  return {
    body: message.body as unknown,
    bodyType: raw.bodyType ?? "data",
    header,
    properties: { ...properties, messageId },
    applicationProperties: Object.fromEntries(
      Object.entries(raw.applicationProperties ?? {}).filter(([name]) => !DEAD_LETTER_PROPERTIES.has(name)),
    ),
    messageAnnotations: Object.fromEntries(
      Object.entries(raw.messageAnnotations ?? {}).filter(([name]) => !BROKER_ANNOTATION.test(name)),
    ),
  };
}

export async function replayDeadLetters(
  client: ServiceBusClient,
  queue: string,
  selection: Selection,
  audit: AuditLog,
): Promise<Settled[]> {
  const sender = client.createSender(queue);
  try {
    return await forEachChosen(client, queue, selection, async (receiver, message) => {
      const base = { sequenceNumber: sequenceOf(message), messageId: idOf(message) };
      const copy = replayOf(message);
      const replayedAs = String(copy.properties?.messageId);
      try {
        await sender.sendMessages(copy);
      } catch (error) {
        await receiver.abandonMessage(message).catch(() => undefined);
        const failed = { ...base, outcome: "failed", error: errorMessage(error) } as const;
        audit("dead-letters.replay", { queue, ...failed });
        return failed;
      }
      // Sent: only now is the dead letter removed.
      await receiver.completeMessage(message);
      const replayed = { ...base, outcome: "replayed", replayedAs } as const;
      audit("dead-letters.replay", { queue, ...replayed });
      return replayed;
    });
  } finally {
    await sender.close();
  }
}

export async function purgeDeadLetters(
  client: ServiceBusClient,
  queue: string,
  selection: Selection,
  audit: AuditLog,
): Promise<Settled[]> {
  return forEachChosen(client, queue, selection, async (receiver, message) => {
    await receiver.completeMessage(message);
    const purged = {
      sequenceNumber: sequenceOf(message),
      messageId: idOf(message),
      outcome: "purged",
    } as const;
    audit("dead-letters.purge", { queue, ...purged });
    return purged;
  });
}
