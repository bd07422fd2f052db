/** Valid domain records for storage tests; every builder takes overrides. */
import type {
  Customer,
  HistoryEntry,
  LineItem,
  Migration,
  Partner,
  Relationship,
  Subscription,
} from "../../../shared/domain/model.js";
import { appendHistory, put, type Change, type CustomerState } from "../../../shared/storage/index.js";
import * as records from "../../setup/records.js";

export { anOffer } from "../../setup/records.js";

export const T0 = "2025-01-10T09:00:00.000Z";

/** Storage's world is in the EU. */
export function aPartner(id: string, overrides: Partial<Partner> = {}): Partner {
  return records.aPartner(id, { region: "EU", ...overrides });
}

export function aCustomer(id: string, overrides: Partial<Customer> = {}): Customer {
  return records.aCustomer(id, { region: "EU", ...overrides });
}

/** With the optional offer name, so round trips carry it; its term ends when aLineItem cancels it. */
export function aSubscription(
  customerId: string,
  id: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return records.aSubscription(customerId, id, {
    offerName: "Office 365 E3",
    seats: 25,
    termStart: "2024-06-01T00:00:00.000Z",
    termEnd: "2025-06-01T00:00:00.000Z",
    ...overrides,
  });
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

/**
 * A queue processor's decision that steps one relationship or migration from `from` to `to` once;
 * a later delivery, finding it moved, changes nothing.
 */
export function stepOnce<K extends "relationship" | "migration">(
  kind: K,
  id: string,
  from: K extends "relationship" ? Relationship["status"] : Migration["status"],
  to: K extends "relationship" ? Relationship["status"] : Migration["status"],
) {
  return (state: CustomerState): { changes: Change[]; result: undefined } => {
    const stored = (kind === "relationship" ? state.relationships : state.migrations).get(id)?.value;
    if (stored?.status !== from) return { changes: [], result: undefined };
    const moved =
      kind === "relationship"
        ? put.relationship({ ...(stored as Relationship), status: to as Relationship["status"] })
        : put.migration({ ...(stored as Migration), status: to as Migration["status"] });
    return { changes: [moved, appendHistory({ kind, id }, anEntry(from, to))], result: undefined };
  };
}
