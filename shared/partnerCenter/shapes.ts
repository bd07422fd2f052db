/**
 * Microsoft's shapes this service reads, as zod schemas: Partner Center's webhook event, its
 * Customer, RelationshipRequest, Cart, CartCheckoutResult and TransferEntity resources, and Graph's delegatedAdminRelationship and its requests. The documented examples they are
 * checked against are in local/partner-center/fixtures/ (test/contract/partnerCenter.test.ts).
 * Microsoft adds fields to its resources, so only the event (whose five fields are the whole
 * documented payload) is strict; resources are read for the fields named here.
 */
import { z } from "zod";

/** The events this service acts on; others are acknowledged and logged. */
export const HANDLED_EVENTS = [
  "reseller-relationship-accepted-by-customer",
  "indirect-reseller-relationship-accepted-by-customer",
  "granular-admin-relationship-approved",
  "granular-admin-relationship-activated",
  "granular-admin-relationship-expired",
  "granular-admin-relationship-terminated",
  "subscription-updated",
  "test-created",
] as const;
export type HandledEvent = (typeof HANDLED_EVENTS)[number];

export const partnerCenterEventSchema = z
  .strictObject({
    EventName: z.string().min(1).max(200),
    ResourceUri: z.url().max(2000),
    ResourceName: z.string().min(1).max(200),
    AuditUri: z.url().max(2000).nullable().optional(),
    ResourceChangeUtcDate: z.string().min(1).max(64),
  })
  .meta({
    id: "PartnerCenterEvent",
    description: "A Partner Center webhook event, as Partner Center posts it",
  });
export type PartnerCenterEvent = z.infer<typeof partnerCenterEventSchema>;

/** GET /v1/customers/{id}: the customer as the partner sees it (404 when it is not the partner's). */
export const customerResourceSchema = z.object({
  id: z.string().min(1),
  companyProfile: z.object({ tenantId: z.string().min(1) }),
  relationshipToPartner: z.string().optional(),
});
export type CustomerResource = z.infer<typeof customerResourceSchema>;

/** GET /v1.0/tenantRelationships/delegatedAdminRelationships/{id}. */
export const delegatedAdminRelationshipSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().optional(),
  status: z.string().min(1),
  customer: z.object({ tenantId: z.string().min(1), displayName: z.string().optional() }),
});
export type DelegatedAdminRelationshipResource = z.infer<typeof delegatedAdminRelationshipSchema>;

/** GET /v1/customers/relationshiprequests: the link a customer's administrator opens to accept the partner as reseller. */
export const relationshipRequestResourceSchema = z.object({ url: z.url() });
export type RelationshipRequestResource = z.infer<typeof relationshipRequestResourceSchema>;

/** GET /v1.0/tenantRelationships/delegatedAdminRelationships?$filter=…: a page of them. */
export const delegatedAdminRelationshipListSchema = z.object({
  value: z.array(delegatedAdminRelationshipSchema),
});

/** POST /v1.0/tenantRelationships/delegatedAdminRelationships: what the service asks for. */
export interface DelegatedAdminRelationshipCreation {
  readonly displayName: string;
  readonly duration: string;
  readonly customer: { readonly tenantId: string; readonly displayName: string };
  readonly accessDetails: { readonly unifiedRoles: readonly { readonly roleDefinitionId: string }[] };
  readonly autoExtendDuration: string;
}

/** POST …/delegatedAdminRelationships/{id}/requests: an action on the relationship (here lockForApproval). */
export const delegatedAdminRelationshipRequestSchema = z.object({
  id: z.string().min(1),
  action: z.string().min(1),
  status: z.string().min(1),
});

/** POST /v1/customers/{id}/carts: one line item of the cart the service asks for. */
export interface CartLineItemCreation {
  readonly id: number;
  readonly catalogItemId: string;
  readonly quantity: number;
  readonly billingCycle: string;
  /** Absent for an Azure plan. */
  readonly termDuration?: string;
}

/** The Cart resource POST /v1/customers/{id}/carts answers (201). */
export const cartSchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  lineItems: z.array(
    z.object({ id: z.coerce.number().int(), catalogItemId: z.string().min(1), quantity: z.number().int() }),
  ),
});
export type CartResource = z.infer<typeof cartSchema>;

/** The CartCheckoutResult POST …/carts/{cartId}/checkout answers: the orders made and those that failed. */
export const cartCheckoutResultSchema = z.object({
  orders: z
    .array(
      z.object({
        id: z.string().min(1),
        status: z.string().optional(),
        lineItems: z.array(
          z.object({
            lineItemNumber: z.number().int(),
            subscriptionId: z.string().min(1).optional(),
            quantity: z.number().int().optional(),
          }),
        ),
      }),
    )
    .default([]),
  orderErrors: z
    .array(
      z.object({
        orderGroupId: z.string().optional(),
        code: z.union([z.string(), z.number()]),
        description: z.string(),
      }),
    )
    .default([]),
});
export type CartCheckoutResult = z.infer<typeof cartCheckoutResultSchema>;

/**
 * The TransferEntity POST /v1/customers/{id}/transfers answers (201) and GET …/transfers/{id} reads:
 * its status (Active while it runs, then Complete, or a failure) and, per line item, the
 * subscription moved, its own status, Partner Center's error and the subscription it became.
 */
export const transferEntitySchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  /** The partner the subscriptions move from (the list of a customer's transfers is matched on it). */
  sourcePartnerTenantId: z.string().min(1).optional(),
  lineItems: z
    .array(
      z.object({
        subscriptionId: z.string().min(1).optional(),
        status: z.string().optional(),
        transferError: z
          .object({ code: z.coerce.string().optional(), description: z.string().optional() })
          .nullable()
          .optional()
          .transform((error) => error ?? undefined),
        targetSubscriptionId: z
          .string()
          .min(1)
          .nullable()
          .optional()
          .transform((id) => id ?? undefined),
      }),
    )
    .default([]),
});
export type TransferEntityResource = z.infer<typeof transferEntitySchema>;

/**
 * GET /v1/customers/{id}/transfers: the customer's transfers made by this partner, "a list of
 * TransferEntity resources" — _inference:_ in Partner Center's collection envelope (`items`), a bare
 * array read the same.
 */
export const transferListSchema = z.union([
  z.array(transferEntitySchema),
  z.object({ items: z.array(transferEntitySchema) }).transform((list) => list.items),
]);

/** The OAuth token endpoint's answer. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.coerce.number().int().positive(),
});

/** The last path segment of a resource URI: the customer or GDAP relationship id the event names. */
export function resourceIdOf(resourceUri: string): string | undefined {
  const segments = new URL(resourceUri).pathname.split("/").filter((part) => part.length > 0);
  return segments.at(-1);
}
