/**
 * The dispatcher's work, per partner-events message:
 * - `partner-events` (or an older version's `partner-event`, one event): for each event, each
 *   subscription of its partner (that partition only, so no other partner's subscription can see it)
 *   whose events match gets a delivery record, keyed by event and subscription, and its first
 *   attempt; a partner recently found with none is not read again for a while (webhookCache.ts);
 * - `webhook-delivery`: the attempt a failed one scheduled (or a manual redelivery).
 * A failed attempt schedules the next one (retries.ts) BEFORE recording itself, so a crash in
 * between repeats an attempt (same event id, a redelivery) rather than losing the retry. A record
 * whose attempt count is past the message's is left alone: duplicates do nothing. After the last
 * attempt the delivery is `failed`, listed and redeliverable. Only the unexpected throws.
 */
import { createHash } from "node:crypto";

import type { EventEnvelope } from "../events/catalogue.js";
import { attemptDelivery, type AttemptResult } from "../events/deliver.js";
import { retryDelayMs } from "../events/retries.js";
import { deriveWebhookSecret } from "../events/secrets.js";
import { eventsCarried, type PartnerEventMessage } from "../messaging/messages.js";
import type { Stored } from "../storage/entityIo.js";
import {
  ensureDelivery,
  getDelivery,
  getWebhook,
  updateDelivery,
  type DeliveryRecord,
  type WebhookRecord,
} from "../storage/webhooks.js";
import type { Runtime } from "./runtime.js";
import { webhookCacheOf } from "./webhookCache.js";

export type DispatchRuntime = Pick<Runtime, "store" | "config" | "now" | "sendEvents">;

export function deliveryIdFor(eventId: string, webhook: string): string {
  return `dlv_${createHash("sha256").update(`${eventId}\n${webhook}`).digest("hex").slice(0, 32)}`;
}

export function subscribesTo(webhook: Pick<WebhookRecord, "events">, type: string): boolean {
  return webhook.events.includes("*") || webhook.events.includes(type);
}

export interface AttemptOutcome {
  readonly deliveryId: string;
  readonly webhook: string;
  /** `skipped`: the record was already past this attempt (a duplicate message). */
  readonly outcome: "delivered" | "retrying" | "failed" | "skipped";
}

export async function dispatch(rt: DispatchRuntime, message: PartnerEventMessage): Promise<AttemptOutcome[]> {
  if (message.type !== "webhook-delivery") return fanOut(rt, eventsCarried(message));
  const stored = await getDelivery(rt.store, message.partnerId, message.webhook, message.deliveryId);
  if (stored === undefined) return [];
  return [await attempt(rt, stored, message.attempt)];
}

/**
 * Each partner's subscriptions are read once for all its events; each subscription gets its events
 * one after the other, in the message's order, and the subscriptions are served in parallel.
 */
async function fanOut(rt: DispatchRuntime, events: readonly EventEnvelope[]): Promise<AttemptOutcome[]> {
  const byPartner = new Map<string, EventEnvelope[]>();
  for (const event of events)
    byPartner.set(event.partnerId, [...(byPartner.get(event.partnerId) ?? []), event]);
  const perWebhook = await Promise.all(
    [...byPartner].map(async ([partnerId, partnerEvents]) => {
      // A partner known to have no subscription costs no round trip (webhookCache.ts).
      const webhooks = await webhookCacheOf(rt.store).subscriptions(partnerId);
      return Promise.all(
        webhooks.map(async (webhook) => {
          const outcomes: AttemptOutcome[] = [];
          for (const event of partnerEvents) {
            if (subscribesTo(webhook, event.type)) outcomes.push(await firstAttempt(rt, webhook, event));
          }
          return outcomes;
        }),
      );
    }),
  );
  return perWebhook.flat(2);
}

async function firstAttempt(
  rt: DispatchRuntime,
  webhook: WebhookRecord,
  event: EventEnvelope,
): Promise<AttemptOutcome> {
  const now = rt.now().toISOString();
  const stored = await ensureDelivery(rt.store, {
    deliveryId: deliveryIdFor(event.id, webhook.name),
    partnerId: webhook.partnerId,
    webhook: webhook.name,
    status: "pending",
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    event,
  });
  return attempt(rt, stored, 1, webhook);
}

async function attempt(
  rt: DispatchRuntime,
  stored: Stored<DeliveryRecord>,
  number: number,
  known?: WebhookRecord,
): Promise<AttemptOutcome> {
  const record = stored.value;
  const done = (outcome: AttemptOutcome["outcome"]): AttemptOutcome => ({
    deliveryId: record.deliveryId,
    webhook: record.webhook,
    outcome,
  });
  if (record.status === "pending" && record.attempts < number - 1) {
    // The attempt before this one crashed after scheduling it but before recording itself; its own
    // message comes again and records it, then this one may go: let Service Bus deliver this later.
    throw new Error(
      `attempt ${number} of ${record.deliveryId} came before attempt ${number - 1} was recorded`,
    );
  }
  if (record.status !== "pending" || record.attempts !== number - 1) return done("skipped");
  const webhook = known ?? (await getWebhook(rt.store, record.partnerId, record.webhook));
  const master = rt.config.PARTNER_KEY_MASTER.find((key) => key.id === webhook?.masterVersion);
  const result: AttemptResult =
    webhook === undefined
      ? { ok: false, result: "the subscription was deleted" }
      : master === undefined
        ? { ok: false, result: "the secret's master key was retired: PUT the subscription again" }
        : await attemptDelivery(
            {
              url: webhook.url,
              secret: deriveWebhookSecret(master, webhook.partnerId, webhook.name, webhook.secretNonce),
              timeoutMs: rt.config.WEBHOOK_TIMEOUT_SECONDS * 1000,
              allowPrivateTargets: rt.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
            },
            record.event,
            rt.now(),
          );
  const now = rt.now();
  const { nextAttemptAt: _previous, ...base } = record;
  if (result.ok) {
    await updateDelivery(
      rt.store,
      {
        ...base,
        status: "delivered",
        attempts: number,
        updatedAt: now.toISOString(),
        lastResult: `HTTP ${result.status}`,
      },
      stored.etag,
    );
    return done("delivered");
  }
  const wait = webhook === undefined ? undefined : retryDelayMs(number, rt.config.WEBHOOK_RETRY_BASE_SECONDS);
  if (wait === undefined) {
    await updateDelivery(
      rt.store,
      {
        ...base,
        status: "failed",
        attempts: number,
        updatedAt: now.toISOString(),
        lastResult: result.result,
      },
      stored.etag,
    );
    return done("failed");
  }
  const at = new Date(now.getTime() + wait);
  await scheduleAttempt(rt, record, number + 1, at);
  await updateDelivery(
    rt.store,
    {
      ...base,
      attempts: number,
      updatedAt: now.toISOString(),
      nextAttemptAt: at.toISOString(),
      lastResult: result.result,
    },
    stored.etag,
  );
  return done("retrying");
}

/** Queues attempt `number` of a delivery; its message id makes a repeat of the same attempt collapse. */
export function scheduleAttempt(
  rt: Pick<Runtime, "sendEvents">,
  record: Pick<DeliveryRecord, "partnerId" | "webhook" | "deliveryId">,
  number: number,
  at?: Date,
): Promise<void> {
  return rt.sendEvents([
    {
      messageId: `${record.deliveryId}|${number}`,
      message: {
        schemaVersion: 1,
        type: "webhook-delivery",
        partnerId: record.partnerId,
        webhook: record.webhook,
        deliveryId: record.deliveryId,
        attempt: number,
      },
      scheduledAt: at,
    },
  ]);
}

/**
 * A manual redelivery: the record back to pending, one more attempt queued now (a failed one was
 * past its retries, so if this one fails too it is `failed` again at once). Undefined if no record.
 */
export async function redeliver(
  rt: DispatchRuntime,
  partnerId: string,
  webhook: string,
  deliveryId: string,
): Promise<number | undefined> {
  const stored = await getDelivery(rt.store, partnerId, webhook, deliveryId);
  if (stored === undefined) return undefined;
  const { nextAttemptAt: _previous, ...base } = stored.value;
  const now = rt.now().toISOString();
  const next = stored.value.attempts + 1;
  if (
    !(await updateDelivery(
      rt.store,
      { ...base, status: "pending", updatedAt: now, nextAttemptAt: now },
      stored.etag,
    ))
  ) {
    return redeliver(rt, partnerId, webhook, deliveryId);
  }
  await scheduleAttempt(rt, stored.value, next);
  return next;
}
