/**
 * The sweep benchmark's world, seeded fast and faithfully: customers of 10 license subscriptions
 * each, all moved by one migration per customer that the rules core decided (awaiting-term-end,
 * every item provisioned, the replacement subscriptions created), committed through the storage
 * layer's `commit` — one entity-group transaction per customer, with the by-id and term-end index
 * entries commit writes itself. History rows are left out: the sweep never reads them (they sit
 * outside the state range of a partition), and without them a million subscriptions fit in memory.
 *
 * Exactly 1% of the subscriptions are due at `AS_OF`, one in each tenth customer: the due items
 * are spread one per partition, the layout that makes the sweep read the most per due item.
 */
import {
  decideMigration,
  type Migration,
  type Subscription,
  SYSTEM_ACTOR,
} from "../../shared/domain/index.js";
import { outcomeChanges } from "../../shared/pipeline/persist.js";
import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import { blankCustomerState, commit, put, type Change, type TableStore } from "../../shared/storage/index.js";
import {
  aCustomer,
  aLicenseSubscription,
  anActiveRelationship,
  customerId,
  OFFER_ID,
  PARTNER,
  PARTNER_ID,
  putReference,
} from "./world.js";

export const SUBSCRIPTIONS_PER_CUSTOMER = 10;
/** One customer in DUE_EVERY has one item due at AS_OF: 1% of subscriptions. */
const DUE_EVERY = 10;
export const DECIDED_AT = new Date("2025-01-01T00:00:00.000Z");
export const AS_OF = new Date("2025-06-01T00:00:00.000Z");
const DAY_MS = 86_400_000;

export interface SweepWorld {
  readonly subscriptions: number;
  readonly customers: number;
  readonly dueSubscriptions: number;
  readonly dueCustomers: number;
}

export async function seedSweepWorld(
  store: TableStore,
  subscriptions: number,
  options: { readonly concurrency?: number; readonly onProgress?: (done: number) => void } = {},
): Promise<SweepWorld> {
  if (subscriptions % (SUBSCRIPTIONS_PER_CUSTOMER * DUE_EVERY) !== 0) {
    throw new Error(`subscriptions must be a multiple of ${SUBSCRIPTIONS_PER_CUSTOMER * DUE_EVERY}`);
  }
  await putReference(store);
  const customers = subscriptions / SUBSCRIPTIONS_PER_CUSTOMER;
  let done = 0;
  await mapWithConcurrency(
    Array.from({ length: customers }, (_, index) => index),
    options.concurrency ?? 16,
    async (index) => {
      const id = customerId(index);
      await commit(store, blankCustomerState(id), customerChanges(index));
      done += 1;
      if (done % 1_000 === 0) options.onProgress?.(done);
    },
  );
  const dueCustomers = customers / DUE_EVERY;
  return { subscriptions, customers, dueSubscriptions: dueCustomers, dueCustomers };
}

/** Everything one customer's partition holds after its migration was decided. */
export function customerChanges(index: number): Change[] {
  const id = customerId(index);
  const originals = Array.from({ length: SUBSCRIPTIONS_PER_CUSTOMER }, (_, item) =>
    aLicenseSubscription(id, `sub-${item}`, termEnd(index, item)),
  );
  const relationship = anActiveRelationship(id, `rel-${id}`, new Date(DECIDED_AT.getTime() - 30 * DAY_MS));
  const migration: Migration = {
    id: `mig-${id}`,
    partnerId: PARTNER_ID,
    customerId: id,
    requestedBy: { userId: "bob@partner.example", role: "account-admin" },
    status: "submitted",
    relationshipId: null,
    request: originals.map((subscription) => ({
      subscriptionId: subscription.id,
      cancelOriginal: "at-term-end" as const,
    })),
    items: [],
    violations: [],
    createdAt: DECIDED_AT.toISOString(),
    updatedAt: DECIDED_AT.toISOString(),
  };
  const outcome = decideMigration({
    migration,
    partner: PARTNER,
    customer: aCustomer(id),
    subscriptions: originals,
    offers: [
      { id: OFFER_ID, name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
    ],
    relationships: [relationship],
    otherMigrations: [],
    now: DECIDED_AT,
  });
  if (outcome.migration.status !== "awaiting-term-end") {
    throw new Error(`the seed migration of ${id} is ${outcome.migration.status}, not awaiting-term-end`);
  }
  const byOriginal = new Map<string, Subscription>(originals.map((s) => [s.id, s]));
  const decided = outcomeChanges(
    { migrations: [outcome], subscriptionChanges: outcome.subscriptionChanges },
    (subscriptionId) => byOriginal.get(subscriptionId),
    { at: DECIDED_AT.toISOString(), by: SYSTEM_ACTOR },
  ).filter((change) => change.kind !== "history");
  return [
    put.customer(aCustomer(id)),
    put.relationship(relationship),
    ...originals.map((subscription) => put.subscription(subscription)),
    ...decided,
  ];
}

/** Item 0 of every DUE_EVERY-th customer ends before AS_OF; every other term ends after it. */
function termEnd(customer: number, item: number): Date {
  if (item === 0 && customer % DUE_EVERY === 0) return new Date(AS_OF.getTime() - 10 * DAY_MS);
  return new Date(AS_OF.getTime() + (1 + ((customer * SUBSCRIPTIONS_PER_CUSTOMER + item) % 300)) * DAY_MS);
}
