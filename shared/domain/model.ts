/**
 * The domain model: every entity the service keeps, as zod schemas with inferred types.
 * Names and enumerations follow the rules (shared/domain/RULES.md) and the README's API exactly.
 */
import { z } from "zod";

/** Every rule id of shared/domain/RULES.md. A violation must name one of these. */
export const RULE_IDS = [
  "CLOUD-1",
  "ROLE-1",
  "ROLE-2",
  "REL-1",
  "REL-2",
  "REL-3",
  "REL-4",
  "MP-1",
  "MP-2",
  "MP-3",
  "MC-1",
  "MC-2",
  "MC-3",
  "MC-4",
  "MC-5",
  "MC-6",
  "MC-7",
  "MIG-1",
  "MIG-2",
  "MIG-3",
  "MIG-4",
  "MIG-5",
  "MIG-6",
  "MIG-7",
  "MIG-8",
  "MIG-9",
  "TEN-1",
  "TEN-2",
  "TEN-3",
  "TEN-4",
  "TEN-5",
  "TEN-6",
  "OPS-1",
  "PC-1",
  "PC-2",
  "PC-3",
] as const;
export const ruleIdSchema = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof ruleIdSchema>;

export const violationSchema = z.object({ rule: ruleIdSchema, message: z.string().min(1) }).meta({
  id: "Violation",
  description: "A broken business rule, with its id from the rules (shared/domain/RULES.md).",
});
export type Violation = z.infer<typeof violationSchema>;

/** Tenant ids, subscription ids, offer ids: opaque, URL-safe, bounded. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "must be letters, digits, '.', '_', ':' or '-'");
/** UTC times between 2000 and 2100: anything else is a typo, never a real term. */
export const isoTimeSchema = z.iso.datetime({ offset: false }).pipe(
  // Piped, so a malformed time gets one problem, not two.
  z.string().refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= 2000 && year <= 2100;
  }, "must be a time between the years 2000 and 2100"),
);

/** Free text a person reads (names, user ids, reasons): no control characters. */
export function textSchema(max: number) {
  return (
    z
      .string()
      .min(1)
      .max(max)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, "must not contain control characters")
  );
}
export type IsoTime = string;

export const cloudSchema = z.enum(["public", "us-government", "germany"]);
export type Cloud = z.infer<typeof cloudSchema>;

/** A geography: ISO country / market code as the partner's and customer's home region (e.g. "US", "EU"). */
export const regionSchema = z
  .string()
  .min(2)
  .max(16)
  .regex(/^[A-Z][A-Z0-9-]*$/, "must be an upper-case region or market code, e.g. US or EU");

export const partnerKindSchema = z.enum(["direct", "indirect-provider", "indirect-reseller"]);
export const channelSchema = z.enum(["direct", "advisor", "open", "ea", "third-party", "syndication", "csp"]);
export type Channel = z.infer<typeof channelSchema>;
export const subscriptionKindSchema = z.enum(["license", "usage"]);
export type SubscriptionKind = z.infer<typeof subscriptionKindSchema>;
export const billingCycleSchema = z.enum(["monthly", "annual", "none"]);
export const subscriptionStatusSchema = z.enum(["active", "expired", "cancelled", "suspended"]);
export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;
export const purchasedViaSchema = z.enum(["m365-admin-portal", "partner-center", "azure-portal", "other"]);

/** Known partner-side roles. Any other role string is accepted by the schema and refused by ROLE-1/ROLE-2 (403). */
export const KNOWN_ROLES = [
  "global-admin",
  "user-admin",
  "sales-agent",
  "account-admin",
  "billing-agent",
  "helpdesk-agent",
] as const;
export const actorSchema = z
  .strictObject({
    userId: textSchema(256),
    role: z
      .string()
      .min(1)
      .max(64)
      .meta({
        description: `The partner-side role, e.g. ${KNOWN_ROLES.join(", ")}.`,
        examples: [...KNOWN_ROLES],
      }),
  })
  .meta({ id: "Actor" });
export type Actor = z.infer<typeof actorSchema>;

/** A Key Vault secret's name: letters, digits and '-', at most 127. */
const secretNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,127}$/, "must be a Key Vault secret name (letters, digits, '-')");

/**
 * The roles a partner asks of a customer in a delegated admin (GDAP) relationship, by template
 * (shared/domain/delegatedAdmin.ts lists each template's Entra ID roles).
 */
export const DELEGATED_ADMIN_ROLE_TEMPLATES = ["license-management", "helpdesk", "global-admin"] as const;
export const delegatedAdminRoleTemplateSchema = z.enum(DELEGATED_ADMIN_ROLE_TEMPLATES).meta({
  id: "DelegatedAdminRoleTemplate",
  description:
    "The roles asked in a GDAP relationship: license-management (User, License Administrator, Directory Readers), helpdesk (Helpdesk, Service Support Administrator, Directory Readers) or global-admin (Global Administrator; never auto-extended).",
});
export type DelegatedAdminRoleTemplate = z.infer<typeof delegatedAdminRoleTemplateSchema>;

/**
 * How the service reaches Partner Center as this partner (the secure application model): the
 * partner's tenant, its app registration, and the names of the Key Vault secrets holding the
 * app's secret and the refresh token the partner's admin consented with. Never the secrets.
 */
export const partnerCenterLinkSchema = z
  .strictObject({
    tenantId: idSchema,
    applicationId: idSchema,
    refreshTokenSecret: secretNameSchema,
    applicationSecret: secretNameSchema,
    /** The roles of the GDAP relationships created for this partner (live mode); default license-management. */
    delegatedAdminRoleTemplate: delegatedAdminRoleTemplateSchema.optional(),
  })
  .meta({ id: "PartnerCenterLink" });
export type PartnerCenterLink = z.infer<typeof partnerCenterLinkSchema>;

export const partnerSchema = z
  .object({
    id: idSchema,
    name: textSchema(256),
    region: regionSchema,
    cloud: cloudSchema,
    kind: partnerKindSchema,
    indirectProviderId: idSchema.optional(),
    partnerCenter: partnerCenterLinkSchema.optional(),
  })
  .meta({ id: "Partner" });
export type Partner = z.infer<typeof partnerSchema>;

export const customerSchema = z
  .object({
    id: idSchema,
    name: textSchema(256),
    region: regionSchema,
    cloud: cloudSchema,
    isCspPartner: z.boolean(),
    /** The partner that entered the profile (TEN-5); absent when the operator did. */
    enteredBy: idSchema.optional(),
  })
  .meta({ id: "Customer" });
export type Customer = z.infer<typeof customerSchema>;

export const offerSchema = z
  .object({
    id: idSchema,
    name: textSchema(256),
    kind: subscriptionKindSchema,
    discontinued: z.boolean(),
    equivalentOfferIds: z.array(idSchema).max(100),
    /** What Partner Center sells this offer as; without it the offer cannot be bought in live mode. */
    partnerCenter: z
      .strictObject({
        /** Partner Center's catalog item id (product:sku:availability). */
        catalogItemId: z.string().min(1).max(200),
        /** ISO 8601 duration, e.g. P1Y or P1M. */
        termDuration: z
          .string()
          .regex(/^P\d+[YMD]$/)
          .max(16),
        billingCycle: billingCycleSchema,
      })
      .optional(),
  })
  .meta({ id: "Offer" });
export type Offer = z.infer<typeof offerSchema>;

export const subscriptionSchema = z
  .object({
    id: idSchema,
    customerId: idSchema,
    offerId: idSchema,
    offerName: textSchema(256).optional(),
    kind: subscriptionKindSchema,
    channel: channelSchema,
    partnerOfRecord: idSchema.optional(),
    /** Seat count; present for license subscriptions. */
    seats: z.number().int().min(0).max(10_000_000).optional(),
    termStart: isoTimeSchema,
    termEnd: isoTimeSchema,
    billingCycle: billingCycleSchema,
    status: subscriptionStatusSchema,
    purchasedVia: purchasedViaSchema.optional(),
    /** The partner that entered it by hand (TEN-6); absent when the operator or the service did. */
    enteredBy: idSchema.optional(),
  })
  .meta({ id: "Subscription" });
export type Subscription = z.infer<typeof subscriptionSchema>;

/** One status change of a relationship or migration: who, when, from, to, why. */
export const historyEntrySchema = z
  .object({
    at: isoTimeSchema,
    /** The acting user id, the customer user id, "timer" for the sweep, or "system". */
    by: z.string().min(1).max(256),
    from: z.string().nullable(),
    to: z.string(),
    rules: z.array(ruleIdSchema),
    note: z.string().max(2000).optional(),
  })
  .meta({ id: "HistoryEntry" });
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const RELATIONSHIP_STATUSES = [
  "submitted",
  "rejected",
  "pending",
  "active",
  "declined",
  "expired",
  "removed",
] as const;
export const relationshipStatusSchema = z.enum(RELATIONSHIP_STATUSES);
export type RelationshipStatus = z.infer<typeof relationshipStatusSchema>;

const urlSchema = z.url({ protocol: /^https?$/ }).max(2000);

export const invitationSchema = z
  .strictObject({
    /** Partner Center's reseller relationship request link (GET /v1/customers/relationshiprequests). */
    resellerRelationshipUrl: urlSchema,
    /** Two-tier CSP: the indirect reseller the link was asked for. */
    indirectResellerId: idSchema.optional(),
    delegatedAdmin: z
      .strictObject({
        /** Graph's id of the delegatedAdminRelationship. */
        id: z.string().min(1).max(200),
        displayName: z.string().min(1).max(50),
        /** Where the customer's Global Administrator approves it, in Microsoft's admin center. */
        approvalUrl: urlSchema,
        roleTemplate: delegatedAdminRoleTemplateSchema,
        /** Entra ID role definition ids asked for. */
        roleDefinitionIds: z.array(z.string().min(1).max(64)).min(1).max(50),
        duration: z.string().min(1).max(16),
        autoExtendDuration: z.string().min(1).max(16),
      })
      .optional(),
    at: isoTimeSchema,
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof invitationSchema>;

export const relationshipSchema = z
  .object({
    id: idSchema,
    partnerId: idSchema,
    customerId: idSchema,
    status: relationshipStatusSchema,
    delegatedAdmin: z.boolean(),
    /** Two-tier CSP: the indirect reseller an indirect provider asked this relationship for. */
    indirectResellerId: idSchema.optional(),
    requestedBy: actorSchema,
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
    /** When an unanswered invitation expires (REL-3); set once it is pending. */
    expiresAt: isoTimeSchema.optional(),
    /** Who answered: the customer administrator's user name (or object id when the token has none). */
    answeredBy: z.string().min(1).max(256).optional(),
    /** The answering administrator's Entra object id (TEN-3). */
    answeredByObjectId: z.string().min(1).max(128).optional(),
    declineReason: z.string().max(2000).optional(),
    /**
     * MP-2: the delegated admin (GDAP) relationship, once Partner Center's event for it is confirmed
     * with Graph: its Graph id and where it stands.
     */
    delegatedAdminRelationship: z
      .strictObject({
        id: z.string().min(1).max(200),
        status: z.enum(["granted", "expired", "terminated"]),
        at: isoTimeSchema,
      })
      .optional(),
    /**
     * Live mode: what the customer's administrator opens to accept — Partner Center's reseller
     * relationship request link and, when delegated admin was asked, the GDAP relationship created in
     * Graph and locked for approval, with its approval link.
     */
    invitation: invitationSchema.optional(),
    /**
     * Live mode: Partner Center or Graph refused to make the invitation (a 4xx other than 429; throttling
     * and faults are retried): its HTTP status and answer, e.g. Partner Center's code and description.
     */
    invitationError: z
      .strictObject({
        status: z.number().int().nullable(),
        message: z.string().min(1).max(2000),
        at: isoTimeSchema,
      })
      .optional(),
    violations: z.array(violationSchema),
  })
  .meta({ id: "Relationship" });
export type Relationship = z.infer<typeof relationshipSchema>;

export const MIGRATION_STATUSES = [
  "submitted",
  "rejected",
  "awaiting-relationship",
  "provisioning",
  "awaiting-term-end",
  "completed",
  "partially-completed",
  "failed",
] as const;
export const migrationStatusSchema = z.enum(MIGRATION_STATUSES);
export type MigrationStatus = z.infer<typeof migrationStatusSchema>;

export const LINE_ITEM_STATUSES = [
  "planned",
  "provisioned",
  "original-cancelled",
  "original-expired",
  "rejected",
] as const;
export const lineItemStatusSchema = z.enum(LINE_ITEM_STATUSES);
export type LineItemStatus = z.infer<typeof lineItemStatusSchema>;

export const migrationPathSchema = z.enum([
  "license-move",
  "license-transfer",
  "azure-new-subscription",
  "azure-switch-partner",
]);
export type MigrationPath = z.infer<typeof migrationPathSchema>;
export const cancelOriginalSchema = z.enum(["at-term-end", "immediately", "keep"]);
export type CancelOriginal = z.infer<typeof cancelOriginalSchema>;
export const startAtSchema = z.enum(["now", "term-end"]);

/** MIG-3: whether a credit may be asked of Microsoft 365 billing support, and who must ask. */
export const creditEligibilitySchema = z.enum([
  "not-eligible",
  "partner-may-request",
  "customer-must-request",
]);
export type CreditEligibility = z.infer<typeof creditEligibilitySchema>;

/** What the partner asked for one original subscription. */
export const migrationItemRequestSchema = z
  .strictObject({
    subscriptionId: idSchema,
    targetOfferId: idSchema.optional(),
    targetSeats: z.number().int().min(0).max(10_000_000).optional(),
    cancelOriginal: cancelOriginalSchema,
    /** A license item from another CSP partner may wait for its term end instead of being refused (MC-3). */
    startAt: startAtSchema.optional(),
    /** MIG-8: fewer seats than the original must be asked for explicitly. */
    allowSeatReduction: z.boolean().optional(),
  })
  .meta({ id: "MigrationItemRequest" });
export type MigrationItemRequest = z.infer<typeof migrationItemRequestSchema>;

/**
 * `recorded`: the service wrote the partner's subscription into its own tables and nothing was
 * ordered or transferred in Partner Center — a record of what the partner is to do there, not an order.
 * Live mode, licence items and new Azure plans (MC-5): `ordering` until Partner Center's checkout
 * answers, then `ordered` (the order is on the item) or `order-failed` (Partner Center refused, or the
 * offer cannot be bought). Transfers (MC-6, MC-3 `license-transfer`): `transferring` until Partner
 * Center says the transfer is complete (`transferred`) or failed (`transfer-failed`).
 */
export const lineItemExecutionSchema = z
  .enum(["recorded", "ordering", "ordered", "order-failed", "transferring", "transferred", "transfer-failed"])
  .meta({
    id: "LineItemExecution",
    description:
      "How a provisioned line item was carried out. `recorded`: written in this service's tables only; nothing was ordered or transferred in Partner Center. Live mode, licence items and new Azure plans (MC-5): `ordering` while the purchase in Partner Center is under way, `ordered` once its checkout answered (see `order`), `order-failed` when it cannot be bought (see `orderError`). Live mode, transfers from another CSP partner (MC-6, and MC-3 `license-transfer`): `transferring` while Partner Center carries the transfer out (see `transfer`), `transferred` once it is complete, `transfer-failed` when it failed (see `transferError`).",
  });

/** Live mode: the purchase Partner Center made for a licence item (cart and checkout). */
export const lineItemOrderSchema = z
  .strictObject({
    /** Partner Center's order id. */
    id: z.string().min(1).max(200),
    /** The subscription Partner Center created for the customer. */
    subscriptionId: z.string().min(1).max(200),
    cartId: z.string().min(1).max(200),
    /** The MS-RequestId sent with cart and checkout, fixed per line item so no retry buys twice. */
    requestId: z.uuid(),
    catalogItemId: z.string().min(1).max(200),
    quantity: z.number().int().min(0),
    at: isoTimeSchema,
  })
  .meta({ id: "LineItemOrder" });
export type LineItemOrder = z.infer<typeof lineItemOrderSchema>;

/** Live mode, MC-6 and MC-3 (`license-transfer`): the transfer Partner Center carries out for the item. */
export const lineItemTransferSchema = z
  .strictObject({
    /** The partner the subscription moves from: its partner of record when the item was provisioned. */
    sourcePartnerId: idSchema.nullable(),
    /** Partner Center's product type of what is transferred: AzureSubscription (MC-6) or OnlineServicesNCE (MC-3). */
    productType: z.enum(["AzureSubscription", "OnlineServicesNCE"]),
    /** The MS-RequestId the transfer is created with, fixed per line item so no retry creates two. */
    requestId: z.uuid(),
    /** Partner Center's transfer id, once created. */
    id: z.string().min(1).max(200).optional(),
    /** Partner Center's last status of the transfer (e.g. Active, Complete). */
    status: z.string().min(1).max(64).optional(),
    /** How many times Partner Center was asked how the transfer is going. */
    polls: z.number().int().min(0),
    /** The subscription(s) the transfer made under the partner, once complete. */
    newSubscriptionIds: z.array(z.string().min(1).max(200)).max(100).optional(),
    createdAt: isoTimeSchema.optional(),
    completedAt: isoTimeSchema.optional(),
  })
  .meta({ id: "LineItemTransfer" });
export type LineItemTransfer = z.infer<typeof lineItemTransferSchema>;
export type LineItemExecution = z.infer<typeof lineItemExecutionSchema>;

export const lineItemSchema = z
  .object({
    subscriptionId: idSchema,
    /** The original's kind and channel; null when no such subscription of the customer exists (the item is rejected). */
    kind: subscriptionKindSchema.nullable(),
    channel: channelSchema.nullable(),
    path: migrationPathSchema.nullable(),
    targetOfferId: idSchema.nullable(),
    targetSeats: z.number().int().min(0).nullable(),
    licenseReassignmentRequired: z.boolean(),
    creditEligibility: creditEligibilitySchema,
    cancelOriginal: cancelOriginalSchema,
    /** When the original is cancelled or expires; null when it is kept (MC-5) or the item is rejected. */
    cancelAt: isoTimeSchema.nullable(),
    /** MIG-2: set when the original is cancelled before its term end. */
    refundNote: z.string().nullable(),
    status: lineItemStatusSchema,
    violations: z.array(violationSchema),
    /**
     * When the partner's subscription is (to be) provisioned: the decision time once provisioned, the
     * original's term end while the item waits for it (MC-3, `startAt: "term-end"`), null otherwise.
     */
    provisionAt: isoTimeSchema.nullable().optional(),
    /** MIG-8: true when the target has fewer seats than the original and the request allowed it. */
    seatReduction: z.boolean().optional(),
    /** The partner's subscription: the new CSP one (license-move, azure-new-subscription) or the transferred original (license-transfer, azure-switch-partner). */
    newSubscriptionId: idSchema.nullable().optional(),
    /** How a provisioned item was carried out; set when it is provisioned. */
    execution: lineItemExecutionSchema.optional(),
    /** Live mode: the order Partner Center made for this licence item. */
    order: lineItemOrderSchema.optional(),
    /**
     * Live mode: why the item could not be bought — Partner Center's refusal (status and answer) or,
     * with status null and a rule, what the service found missing (e.g. the offer's catalog item).
     */
    orderError: z
      .strictObject({
        status: z.number().int().nullable(),
        rule: ruleIdSchema.optional(),
        message: z.string().min(1).max(2000),
        at: isoTimeSchema,
      })
      .optional(),
    /** Live mode: the transfer of a subscription from another CSP partner (MC-6, MC-3). */
    transfer: lineItemTransferSchema.optional(),
    /**
     * Live mode: why the transfer failed — Partner Center's code and description, or, with a rule,
     * what the service found missing or that it gave up waiting.
     */
    transferError: z
      .strictObject({
        status: z.number().int().nullable(),
        code: z.string().min(1).max(200).nullable(),
        rule: ruleIdSchema.optional(),
        message: z.string().min(1).max(2000),
        at: isoTimeSchema,
      })
      .optional(),
  })
  .meta({ id: "LineItem" });
export type LineItem = z.infer<typeof lineItemSchema>;

/**
 * A migration is decided in one entity-group transaction (at most 100 operations): each item can
 * take up to seven writes (the item's steps, the original, the new subscription, their history), so
 * a migration holds at most 12 items, as requested and as stored. Larger moves are several migrations.
 */
export const MAX_MIGRATION_ITEMS = 12;

export const migrationSchema = z
  .object({
    id: idSchema,
    partnerId: idSchema,
    customerId: idSchema,
    requestedBy: actorSchema,
    status: migrationStatusSchema,
    /** The relationship the migration proceeds under once it is active (REL-2), or waits on while it is pending. */
    relationshipId: idSchema.nullable(),
    request: z.array(migrationItemRequestSchema).min(1).max(MAX_MIGRATION_ITEMS),
    items: z.array(lineItemSchema).max(MAX_MIGRATION_ITEMS),
    violations: z.array(violationSchema),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
    failureReason: z.string().max(2000).optional(),
  })
  .meta({ id: "Migration" });
export type Migration = z.infer<typeof migrationSchema>;
