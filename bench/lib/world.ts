/**
 * Reference data for the benchmarks, written through the storage layer (outside any timed part) as
 * the PUT routes and the processors would leave it: a partner, the catalogue, and customers with a
 * license subscription each and an active reseller relationship with the partner (with its history).
 */
import {
  historyEntry,
  type Customer,
  type Offer,
  type Partner,
  type Relationship,
  type Subscription,
} from "../../shared/domain/index.js";
import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import type { LoadRequest } from "./load.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  put,
  putOffer,
  putPartner,
  type TableStore,
} from "../../shared/storage/index.js";

export const PARTNER_ID = "bench-partner";
export const OFFER_ID = "o365-e3";
const DAY_MS = 86_400_000;

export const PARTNER: Partner = {
  id: PARTNER_ID,
  name: "Bench Partner",
  region: "US",
  cloud: "public",
  kind: "direct",
};

const OFFER: Offer = {
  id: OFFER_ID,
  name: "Office 365 E3",
  kind: "license",
  discontinued: false,
  equivalentOfferIds: [],
};

export function customerId(index: number): string {
  return `bench-cust-${String(index).padStart(7, "0")}`;
}

/**
 * POSTs of one migration each for the seeded customers `from` … `from + count - 1` (each moving its
 * sub-1, seedMigratableCustomers), with Idempotency-Keys `<keyPrefix>-<index>`.
 */
export function migrationLoad(
  baseUrl: string,
  {
    from,
    count,
    concurrency,
    keyPrefix,
  }: { from: number; count: number; concurrency: number; keyPrefix: string },
): LoadRequest {
  return {
    url: new URL("migrations", baseUrl).href,
    concurrency,
    posts: Array.from({ length: count }, (_, i) => ({
      partnerId: PARTNER_ID,
      customerId: customerId(from + i),
      subscriptionId: "sub-1",
      key: `${keyPrefix}-${from + i}`,
    })),
  };
}

export function aCustomer(id: string): Customer {
  return { id, name: `Customer ${id}`, region: "US", cloud: "public", isCspPartner: false };
}

/** A direct-channel license subscription, a year long, ending `termEnd`. */
export function aLicenseSubscription(customer: string, id: string, termEnd: Date): Subscription {
  return {
    id,
    customerId: customer,
    offerId: OFFER_ID,
    kind: "license",
    channel: "direct",
    seats: 10,
    termStart: new Date(termEnd.getTime() - 365 * DAY_MS).toISOString(),
    termEnd: termEnd.toISOString(),
    billingCycle: "annual",
    status: "active",
    purchasedVia: "m365-admin-portal",
  };
}

/** An accepted reseller relationship with delegated admin, answered a day after it was asked. */
export function anActiveRelationship(customer: string, id: string, askedAt: Date): Relationship {
  const answeredAt = new Date(askedAt.getTime() + DAY_MS).toISOString();
  return {
    id,
    partnerId: PARTNER_ID,
    customerId: customer,
    status: "active",
    delegatedAdmin: true,
    requestedBy: { userId: "alice@partner.example", role: "global-admin" },
    createdAt: askedAt.toISOString(),
    updatedAt: answeredAt,
    answeredBy: "carol@customer.example",
    violations: [],
  };
}

export async function putReference(store: TableStore): Promise<void> {
  await putPartner(store, PARTNER);
  await putOffer(store, OFFER);
}

/**
 * `count` customers, each with subscription `sub-1` (term ending `termEnd`) and relationship `rel-<customer>`
 * active with the partner, committed as the relationship processor leaves them.
 */
export async function seedMigratableCustomers(
  store: TableStore,
  count: number,
  options: { readonly termEnd: Date; readonly now: Date; readonly concurrency?: number },
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => customerId(index));
  const askedAt = new Date(options.now.getTime() - 30 * DAY_MS);
  const answeredAt = new Date(askedAt.getTime() + DAY_MS).toISOString();
  await mapWithConcurrency(ids, options.concurrency ?? 16, async (id) => {
    const relationship = anActiveRelationship(id, `rel-${id}`, askedAt);
    const entity = { kind: "relationship", id: relationship.id } as const;
    await commitSeed(store, id, [
      put.customer(aCustomer(id)),
      put.subscription(aLicenseSubscription(id, "sub-1", options.termEnd)),
      put.relationship(relationship),
      appendHistory(
        entity,
        historyEntry(relationship.createdAt, "alice@partner.example", null, "submitted", []),
      ),
      appendHistory(
        entity,
        historyEntry(relationship.createdAt, "system", "submitted", "pending", ["REL-1"]),
      ),
      appendHistory(
        entity,
        historyEntry(answeredAt, "carol@customer.example", "pending", "active", ["REL-2"]),
      ),
    ]);
  });
  return ids;
}

/**
 * Commits a customer's seed as the processors would have left it, long after its events went out:
 * no outbox row nor pointer, so no relay sends a seed's events during a measured run.
 */
export async function commitSeed(
  store: TableStore,
  customer: string,
  changes: Parameters<typeof commit>[2],
): Promise<void> {
  await commit(store, blankCustomerState(customer), changes, { outboxPointer: false, eventRows: false });
}
