/** Valid domain records for storage tests; every builder takes overrides. */
import type {
  Customer,
  HistoryEntry,
  LineItem,
  Migration,
  Offer,
  Partner,
  Relationship,
  Subscription,
} from "../../../shared/domain/model.js";

export const T0 = "2025-01-10T09:00:00.000Z";

export function aPartner(id: string, overrides: Partial<Partner> = {}): Partner {
  return { id, name: `Partner ${id}`, region: "EU", cloud: "public", kind: "direct", ...overrides };
}

export function anOffer(id: string, overrides: Partial<Offer> = {}): Offer {
  return {
    id,
    name: `Offer ${id}`,
    kind: "license",
    discontinued: false,
    equivalentOfferIds: [],
    ...overrides,
  };
}

export function aCustomer(id: string, overrides: Partial<Customer> = {}): Customer {
  return { id, name: `Customer ${id}`, region: "EU", cloud: "public", isCspPartner: false, ...overrides };
}

export function aSubscription(
  customerId: string,
  id: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return {
    id,
    customerId,
    offerId: "o365-e3",
    offerName: "Office 365 E3",
    kind: "license",
    channel: "direct",
    seats: 25,
    termStart: "2024-06-01T00:00:00.000Z",
    termEnd: "2025-06-01T00:00:00.000Z",
    billingCycle: "annual",
    status: "active",
    purchasedVia: "m365-admin-portal",
    ...overrides,
  };
}

export function aRelationship(
  customerId: string,
  id: string,
  overrides: Partial<Relationship> = {},
): Relationship {
  return {
    id,
    partnerId: "partner-1",
    customerId,
    status: "submitted",
    delegatedAdmin: true,
    requestedBy: { userId: "alice@partner.example", role: "global-admin" },
    createdAt: T0,
    updatedAt: T0,
    violations: [],
    ...overrides,
  };
}

export function aLineItem(subscriptionId: string, overrides: Partial<LineItem> = {}): LineItem {
  return {
    subscriptionId,
    kind: "license",
    channel: "direct",
    path: "license-move",
    targetOfferId: "o365-e3",
    targetSeats: 25,
    licenseReassignmentRequired: false,
    creditEligibility: "customer-must-request",
    cancelOriginal: "at-term-end",
    cancelAt: "2025-06-01T00:00:00.000Z",
    refundNote: null,
    status: "planned",
    violations: [],
    ...overrides,
  };
}

export function aMigration(customerId: string, id: string, overrides: Partial<Migration> = {}): Migration {
  const items = overrides.items ?? [aLineItem("sub-1")];
  return {
    id,
    partnerId: "partner-1",
    customerId,
    requestedBy: { userId: "bob@partner.example", role: "sales-agent" },
    status: "submitted",
    relationshipId: null,
    request: items.map((item) => ({
      subscriptionId: item.subscriptionId,
      cancelOriginal: item.cancelOriginal,
    })),
    items,
    violations: [],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function anEntry(
  from: string | null,
  to: string,
  overrides: Partial<HistoryEntry> = {},
): HistoryEntry {
  return { at: T0, by: "alice@partner.example", from, to, rules: [], ...overrides };
}
