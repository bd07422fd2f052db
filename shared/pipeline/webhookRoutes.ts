/** What the webhook routes share: the partner scope (a partner's key manages only its own subscriptions) and the views. */
import { randomBytes } from "node:crypto";

import type { HttpResponseInit } from "@azure/functions";

import { actsAsItself, mayRead, type Caller } from "../domain/index.js";
import { TEST_EVENT_TYPE, type EventEnvelope } from "../events/catalogue.js";
import { problem } from "../http/problem.js";
import type { DeliveryRecord, WebhookRecord } from "../storage/webhooks.js";

/** TEN-1: a 403 for a partner key acting on another partner's subscriptions; the operator may act on all. */
export function otherPartnersWebhooks(caller: Caller, partnerId: string): HttpResponseInit | undefined {
  const refused = actsAsItself(caller, partnerId);
  return refused === null ? undefined : problem("forbidden", refused.message, { violations: [refused] });
}

/**
 * TEN-2: another partner's subscriptions and deliveries are not found, as if they did not exist
 * (`detail` is what the missing case says); the operator reads all.
 */
export function hiddenWebhooks(
  caller: Caller,
  partnerId: string,
  detail: string,
): HttpResponseInit | undefined {
  return mayRead(caller, partnerId) ? undefined : problem("not-found", detail);
}

export function webhookView({ partnerId, name, url, events, createdAt }: WebhookRecord) {
  return { partnerId, name, url, events, createdAt };
}

export function deliveryView({ partnerId: _partner, ...view }: DeliveryRecord) {
  return view;
}

export function webhookPath(partnerId: string, name: string): string {
  return `/api/partners/${partnerId}/webhooks/${name}`;
}

/** A `test` event about the subscription itself: a fresh id each time, nothing else to order. */
export function testEvent(partnerId: string, name: string, now: Date): EventEnvelope {
  return {
    id: `evt_${randomBytes(16).toString("hex")}`,
    type: TEST_EVENT_TYPE,
    occurredAt: now.toISOString(),
    partnerId,
    customerId: null,
    resource: { kind: "webhook", id: name, status: "active", href: webhookPath(partnerId, name) },
    sequence: 0,
    data: { from: null, rules: [], note: "A test event, sent on request" },
  };
}
