/** The webhook routes' bodies and answers, as schemas so OpenAPI is generated from them. */
import { z } from "zod";

import { idSchema, isoTimeSchema } from "../domain/model.js";
import { EVENT_TYPES, eventEnvelopeSchema } from "../events/catalogue.js";
import { DELIVERY_STATUSES } from "../storage/webhooks.js";

export const deliveryIdSchema = z.string().regex(/^dlv_[0-9a-f]{32}$/);

export const putWebhookBodySchema = z
  .strictObject({
    /** Where to POST events: https to a public address (checked again at every send). */
    url: z.url().max(2048),
    /** Event types to receive, or `["*"]` for all. */
    events: z
      .array(z.enum(["*", ...EVENT_TYPES.map((entry) => entry.type).filter((type) => type !== "test")]))
      .min(1)
      .max(64),
  })
  .meta({ id: "PutWebhookBody" });

export const webhookViewSchema = z
  .object({
    partnerId: idSchema,
    name: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    createdAt: isoTimeSchema,
  })
  .meta({ id: "Webhook" });

export const webhookCreatedSchema = webhookViewSchema
  .extend({
    /** The signing secret, in this answer only: X-Signature is sha256=HMAC(secret, "<X-Timestamp>.<body>"). */
    secret: z.string(),
  })
  .meta({ id: "WebhookCreated" });

export const webhookListSchema = z.object({ items: z.array(webhookViewSchema) }).meta({ id: "WebhookList" });

export const deliveryViewSchema = z
  .object({
    deliveryId: deliveryIdSchema,
    webhook: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
    nextAttemptAt: isoTimeSchema.optional(),
    lastResult: z.string().optional(),
    event: eventEnvelopeSchema,
  })
  .meta({ id: "WebhookDelivery" });

export const deliveryListSchema = z
  .object({ items: z.array(deliveryViewSchema) })
  .meta({ id: "WebhookDeliveryList" });

export const webhookTestResultSchema = z
  .object({ delivered: z.boolean(), result: z.string(), eventId: z.string() })
  .meta({ id: "WebhookTestResult" });

export const redeliveryAcceptedSchema = z
  .object({ deliveryId: deliveryIdSchema, status: z.literal("pending"), attempt: z.number().int() })
  .meta({ id: "WebhookRedelivery" });
