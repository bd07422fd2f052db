/**
 * Webhook subscriptions and their deliveries in the `webhooks` table, one partition per partner:
 * `sub|<name>` a subscription (where to POST, which events, what its secret is derived from — never
 * the secret), `dlv|<name>|<deliveryId>` one event's delivery to it (status, attempts, the event).
 */
import { z } from "zod";

import { idSchema, isoTimeSchema } from "../domain/model.js";
import { eventEnvelopeSchema } from "../events/catalogue.js";
import { webhookNameSchema } from "../messaging/messages.js";
import {
  buildEntity,
  decodeStored,
  queryRaw,
  quote,
  rangeFilter,
  readDecoded,
  type Stored,
} from "./entityIo.js";
import { statusOf } from "./errors.js";
import { checkedId, prefixRange } from "./keys.js";
import type { TableStore } from "./tableStore.js";

export const webhookRecordSchema = z.strictObject({
  partnerId: idSchema,
  name: webhookNameSchema,
  url: z.url().max(2048),
  /** Event types, or `["*"]` for every one. */
  events: z.array(z.string().min(1).max(64)).min(1).max(64),
  /** The master key version and the random nonce its secret is derived from (shared/events/secrets.ts). */
  masterVersion: z.string().min(1).max(64),
  secretNonce: z.string().regex(/^[0-9a-f]{32}$/),
  createdAt: isoTimeSchema,
});
export type WebhookRecord = z.infer<typeof webhookRecordSchema>;

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

export const deliveryRecordSchema = z.strictObject({
  deliveryId: z.string().regex(/^dlv_[0-9a-f]{32}$/),
  partnerId: idSchema,
  webhook: webhookNameSchema,
  status: z.enum(DELIVERY_STATUSES),
  /** Attempts made so far. */
  attempts: z.number().int().min(0),
  createdAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
  nextAttemptAt: isoTimeSchema.optional(),
  /** What the last attempt got: `HTTP 500`, `timed out after 10 s`, `refused: …`. */
  lastResult: z.string().max(500).optional(),
  event: eventEnvelopeSchema,
});
export type DeliveryRecord = z.infer<typeof deliveryRecordSchema>;

const SUBSCRIPTION_PREFIX = "sub|";
const deliveryPrefix = (name: string) => `dlv|${webhookNameSchema.parse(name)}|`;

/** Creates or replaces a subscription. */
export async function putWebhook(store: TableStore, record: WebhookRecord): Promise<void> {
  const client = await store.table("webhooks");
  const value = webhookRecordSchema.parse(record);
  await client.upsertEntity(
    buildEntity(
      client.tableName,
      checkedId("partner", value.partnerId),
      `${SUBSCRIPTION_PREFIX}${value.name}`,
      value,
    ),
    "Replace",
  );
}

export async function getWebhook(
  store: TableStore,
  partnerId: string,
  name: string,
): Promise<WebhookRecord | undefined> {
  const client = await store.table("webhooks");
  return (
    await readDecoded(
      client,
      webhookRecordSchema,
      checkedId("partner", partnerId),
      `${SUBSCRIPTION_PREFIX}${name}`,
    )
  )?.value;
}

/** A partner's subscriptions, by name; 1 round trip. */
export async function listWebhooks(store: TableStore, partnerId: string): Promise<WebhookRecord[]> {
  const client = await store.table("webhooks");
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(checkedId("partner", partnerId))} and ${rangeFilter("RowKey", prefixRange(SUBSCRIPTION_PREFIX))}`,
  );
  return rows.map((row) => decodeStored(client, webhookRecordSchema, row).value);
}

/** Removes a subscription (its deliveries stay, for the record); false when there was none. */
export async function deleteWebhook(store: TableStore, partnerId: string, name: string): Promise<boolean> {
  const client = await store.table("webhooks");
  try {
    await client.deleteEntity(checkedId("partner", partnerId), `${SUBSCRIPTION_PREFIX}${name}`);
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** Inserts a delivery unless it exists; returns what is stored (the existing one wins). */
export async function ensureDelivery(
  store: TableStore,
  record: DeliveryRecord,
): Promise<Stored<DeliveryRecord>> {
  const client = await store.table("webhooks");
  const value = deliveryRecordSchema.parse(record);
  const rowKey = `${deliveryPrefix(value.webhook)}${value.deliveryId}`;
  try {
    const created = await client.createEntity(buildEntity(client.tableName, value.partnerId, rowKey, value));
    return { value, etag: created.etag ?? "" };
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  const existing = await getDelivery(store, value.partnerId, value.webhook, value.deliveryId);
  if (existing === undefined) throw new Error(`delivery ${value.deliveryId} vanished after a conflict`);
  return existing;
}

export async function getDelivery(
  store: TableStore,
  partnerId: string,
  webhook: string,
  deliveryId: string,
): Promise<Stored<DeliveryRecord> | undefined> {
  const client = await store.table("webhooks");
  return readDecoded(
    client,
    deliveryRecordSchema,
    checkedId("partner", partnerId),
    `${deliveryPrefix(webhook)}${deliveryId}`,
  );
}

/** Replaces a delivery if nobody changed it since `etag` was read; false when someone did. */
export async function updateDelivery(
  store: TableStore,
  record: DeliveryRecord,
  etag: string,
): Promise<boolean> {
  const client = await store.table("webhooks");
  const value = deliveryRecordSchema.parse(record);
  const rowKey = `${deliveryPrefix(value.webhook)}${value.deliveryId}`;
  try {
    await client.updateEntity(buildEntity(client.tableName, value.partnerId, rowKey, value), "Replace", {
      etag,
    });
    return true;
  } catch (error) {
    if (statusOf(error) === 412) return false;
    throw error;
  }
}

/** A subscription's deliveries, optionally of one status; 1 round trip per 1,000. */
export async function listDeliveries(
  store: TableStore,
  partnerId: string,
  webhook: string,
  status?: DeliveryRecord["status"],
): Promise<DeliveryRecord[]> {
  const client = await store.table("webhooks");
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(checkedId("partner", partnerId))} and ${rangeFilter("RowKey", prefixRange(deliveryPrefix(webhook)))}${status === undefined ? "" : ` and status eq ${quote(status)}`}`,
  );
  return rows.map((row) => decodeStored(client, deliveryRecordSchema, row).value);
}
