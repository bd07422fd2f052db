/** Request bodies, one schema per route (the README has the contract). Ids in the path are not repeated in the body. */
import { z } from "zod";

import {
  actorSchema,
  customerSchema,
  idSchema,
  MAX_MIGRATION_ITEMS,
  migrationItemRequestSchema,
  offerSchema,
  partnerSchema,
  subscriptionSchema,
} from "./model.js";

// Reference-data bodies are the stored records less the ids the path carries, so the two cannot drift.

export const putPartnerBodySchema = z
  .strictObject(partnerSchema.omit({ id: true }).shape)
  .meta({ id: "PutPartnerBody" });
export type PutPartnerBody = z.infer<typeof putPartnerBodySchema>;

export const putCustomerBodySchema = z
  .strictObject(customerSchema.omit({ id: true, enteredBy: true }).shape)
  .meta({ id: "PutCustomerBody" });
export type PutCustomerBody = z.infer<typeof putCustomerBodySchema>;

export const putSubscriptionBodySchema = z
  .strictObject(subscriptionSchema.omit({ id: true, customerId: true, enteredBy: true }).shape)
  .superRefine((body, ctx) => {
    if (body.kind === "license" && body.seats === undefined) {
      ctx.addIssue({ code: "custom", path: ["seats"], message: "a license subscription needs a seat count" });
    }
    if (Date.parse(body.termEnd) <= Date.parse(body.termStart)) {
      ctx.addIssue({ code: "custom", path: ["termEnd"], message: "termEnd must be after termStart" });
    }
    if (body.channel === "csp" && body.partnerOfRecord === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["partnerOfRecord"],
        message: "a subscription bought through CSP needs its partner of record",
      });
    }
  })
  .meta({ id: "PutSubscriptionBody" });
export type PutSubscriptionBody = z.infer<typeof putSubscriptionBodySchema>;

export const putOfferBodySchema = z
  .strictObject(offerSchema.omit({ id: true }).shape)
  .meta({ id: "PutOfferBody" });
export type PutOfferBody = z.infer<typeof putOfferBodySchema>;

export const relationshipRequestBodySchema = z
  .strictObject({
    partnerId: idSchema,
    customerId: idSchema,
    actor: actorSchema,
    delegatedAdmin: z.boolean(),
    indirectResellerId: idSchema.optional().meta({
      description:
        "Two-tier CSP: an indirect provider asks on behalf of one of its indirect resellers (that reseller's partner id); the invitation makes the reseller the customer's partner under the provider",
    }),
  })
  .meta({ id: "RelationshipRequestBody" });
export type RelationshipRequestBody = z.infer<typeof relationshipRequestBodySchema>;

/** The customer's answer names no user: the token says who answers (TEN-3). */
export const declinationBodySchema = z
  .strictObject({ reason: z.string().max(2000).optional() })
  .meta({ id: "DeclinationBody" });
export type DeclinationBody = z.infer<typeof declinationBodySchema>;

export { MAX_MIGRATION_ITEMS };

export const migrationRequestBodySchema = z
  .strictObject({
    partnerId: idSchema,
    customerId: idSchema,
    actor: actorSchema,
    items: z.array(migrationItemRequestSchema).min(1).max(MAX_MIGRATION_ITEMS),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.items.forEach((item, index) => {
      if (seen.has(item.subscriptionId)) {
        ctx.addIssue({
          code: "custom",
          path: ["items", index, "subscriptionId"],
          message: `subscription ${item.subscriptionId} is listed more than once`,
        });
      }
      seen.add(item.subscriptionId);
    });
  })
  .meta({ id: "MigrationRequestBody" });
export type MigrationRequestBody = z.infer<typeof migrationRequestBodySchema>;
