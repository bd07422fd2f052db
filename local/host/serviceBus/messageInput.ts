/**
 * A received Service Bus message as the real host hands it to a Node.js function:
 *
 * - The trigger input is the body as text (`{ string }`), which the library JSON-parses when it
 *   is JSON; a body that is not UTF-8 text goes as bytes.
 * - Trigger metadata is the Service Bus extension's (v5) binding data: `DeliveryCount`,
 *   `DeadLetterSource`, `LockToken`, `ExpiresAtUtc`/`ExpiresAt`, `EnqueuedTimeUtc`/`EnqueuedTime`,
 *   `MessageId`, `ContentType`, `ReplyTo`, `SequenceNumber`, `To`, `Subject`/`Label`,
 *   `CorrelationId`, `ApplicationProperties`/`UserProperties`, `SessionId`, `ReplyToSessionId`,
 *   `PartitionKey`, `TransactionPartitionKey` (ServiceBusTriggerBindingStrategy). The host sends
 *   strings as `{ string }` and everything else JSON-serialised by Newtonsoft (`{ json }`);
 *   absent values are left out. The library camel-cases the keys.
 * - `DeliveryCount` counts this delivery (1 the first time), as the .NET SDK reports it; the
 *   JavaScript SDK counts earlier deliveries (0 the first time).
 */
import { TextDecoder } from "node:util";
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import type { RpcTypedData } from "../coreTypes.js";

export interface MessageInput {
  readonly triggerData: RpcTypedData;
  readonly triggerMetadata: Record<string, RpcTypedData>;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function toMessageInput(message: ServiceBusReceivedMessage): MessageInput {
  const metadata: Record<string, RpcTypedData> = {};
  const text = (name: string, value: string | number | Buffer | undefined): void => {
    if (value === undefined) return;
    metadata[name] = { string: Buffer.isBuffer(value) ? value.toString("hex") : String(value) };
  };
  const json = (name: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    metadata[name] = { json: JSON.stringify(value) };
  };

  json("DeliveryCount", (message.deliveryCount ?? 0) + 1);
  text("DeadLetterSource", message.deadLetterSource);
  text("LockToken", message.lockToken);
  if (message.expiresAtUtc !== undefined) {
    json("ExpiresAtUtc", formatNetDateTime(message.expiresAtUtc, "unspecified"));
    json("ExpiresAt", formatNetDateTime(message.expiresAtUtc, "offset"));
  }
  if (message.enqueuedTimeUtc !== undefined) {
    json("EnqueuedTimeUtc", formatNetDateTime(message.enqueuedTimeUtc, "unspecified"));
    json("EnqueuedTime", formatNetDateTime(message.enqueuedTimeUtc, "offset"));
  }
  text("MessageId", message.messageId);
  text("ContentType", message.contentType);
  text("ReplyTo", message.replyTo);
  if (message.sequenceNumber !== undefined) {
    // A long: written as a JSON number, digits as they are.
    metadata.SequenceNumber = { json: message.sequenceNumber.toString() };
  }
  text("To", message.to);
  text("Subject", message.subject);
  text("Label", message.subject);
  text("CorrelationId", message.correlationId);
  const properties = applicationProperties(message);
  json("ApplicationProperties", properties);
  json("UserProperties", properties);
  text("SessionId", message.sessionId);
  text("ReplyToSessionId", message.replyToSessionId);
  text("PartitionKey", message.partitionKey);
  // The extension fills this from the partition key too.
  text("TransactionPartitionKey", message.partitionKey);

  return { triggerData: bodyData(message.body), triggerMetadata: metadata };
}

function applicationProperties(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    result[name] = value instanceof Date ? formatNetDateTime(value, "utc") : value;
  }
  return result;
}

function bodyData(body: unknown): RpcTypedData {
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
    try {
      return { string: strictUtf8.decode(body) };
    } catch {
      return { bytes: body };
    }
  }
  if (typeof body === "string") return { string: body };
  if (body === undefined || body === null) return { string: "" };
  return { json: JSON.stringify(body) };
}

/**
 * A date as Newtonsoft.Json writes .NET dates: `yyyy-MM-ddTHH:mm:ss.FFFFFFF` with the zone part
 * ("" for an unspecified DateTime, "Z" for UTC, "+00:00" for a DateTimeOffset). Dates past
 * year 9999 (a message that never expires) become .NET's maximum.
 */
export function formatNetDateTime(date: Date, kind: "unspecified" | "utc" | "offset"): string {
  const zone = kind === "utc" ? "Z" : kind === "offset" ? "+00:00" : "";
  if (date.getUTCFullYear() > 9999) return `9999-12-31T23:59:59.9999999${zone}`;
  const iso = date.toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction === "" ? "" : `.${fraction}`}${zone}`;
}
