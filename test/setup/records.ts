/**
 * Valid domain records for tests that store or process them: one builder per record, each taking
 * overrides, and the instants they are built around. Suites that want other defaults pass them as
 * overrides in a builder of their own.
 */
import type { Customer, Offer, Partner, Subscription } from "../../shared/domain/model.js";

export const NOW = "2025-03-01T00:00:00.000Z";
export const TERM_START = "2024-07-01T00:00:00.000Z";
/** A term end ahead of NOW. */
export const TERM_END = "2025-07-01T00:00:00.000Z";

export function aPartner(id: string, overrides: Partial<Partner> = {}): Partner {
  return { id, name: `Partner ${id}`, region: "US", cloud: "public", kind: "direct", ...overrides };
}

export function aCustomer(id: string, overrides: Partial<Customer> = {}): Customer {
  return { id, name: `Customer ${id}`, region: "US", cloud: "public", isCspPartner: false, ...overrides };
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

/** A licence bought in the admin portal, ten seats, annual, in its term at NOW. */
export function aSubscription(
  customerId: string,
  id: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return {
    id,
    customerId,
    offerId: "o365-e3",
    kind: "license",
    channel: "direct",
    seats: 10,
    termStart: TERM_START,
    termEnd: TERM_END,
    billingCycle: "annual",
    status: "active",
    purchasedVia: "m365-admin-portal",
    ...overrides,
  };
}
