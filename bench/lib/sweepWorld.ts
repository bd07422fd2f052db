/**
 * The sweep benchmark's world, seeded fast and faithfully: customers of 10 license subscriptions
 * each, all moved by one migration per customer that the rules core decided (awaiting-term-end,
 * every item provisioned, the replacement subscriptions created), committed through the storage
 * layer's own plan (`planCommit`: the entities and index entries `commit` would write), written in
 * bulk — one entity-group transaction per customer, and the index entries of many customers
 * together, up to 100 a transaction per index partition (commit writes each customer's alone). History rows are left out: the sweep never reads them (they sit
 * outside the state range of a partition), and without them a million subscriptions fit in memory.
 *
 * Exactly 1% of the subscriptions are due at `AS_OF`, one in each tenth customer: the due items
 * are spread one per partition, the layout that makes the sweep read the most per due item; their
 * entries all sit in the one partner's map partition (`map|<partnerId>`, rows `~due|…`). With
 * `nights: n` (up to 4), as many again fall due by each later night's time (nightAsOf: item 0 of other
 * customers), so several sweeps of the same size can run on one seed.
 */
import {
  decideMigration,
  type Migration,
  type Subscription,
  SYSTEM_ACTOR,
} from "../../shared/domain/index.js";
import { outcomeChanges } from "../../shared/pipeline/persist.js";
import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import { planCommit } from "../../shared/storage/commit.js";
import type { IndexEntry } from "../../shared/storage/indexPlan.js";
import { writeIndexEntries } from "../../shared/storage/indexes.js";
import { blankCustomerState, put, type Change, type TableStore } from "../../shared/storage/index.js";
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
/** Customers whose index entries are written together. */
const SEED_CHUNK = 1_000;
const HOUR_MS = 3_600_000;
/** Which customers (index % DUE_EVERY) have item 0 due on each night. */
const NIGHT_RESIDUES = [0, 5, 2, 7] as const;
export const MAX_NIGHTS = NIGHT_RESIDUES.length;

/** The time night `night` (0-based) sweeps as of: night 0 is AS_OF, later ones hours after it. */
export function nightAsOf(night: number): Date {
  return new Date(AS_OF.getTime() + night * 5 * HOUR_MS);
}

export interface SweepWorld {
  readonly subscriptions: number;
  readonly customers: number;
  readonly dueSubscriptions: number;
  readonly dueCustomers: number;
}

export async function seedSweepWorld(
  store: TableStore,
  subscriptions: number,
  options: {
    readonly concurrency?: number;
    readonly onProgress?: (done: number) => void;
    readonly nights?: number;
  } = {},
): Promise<SweepWorld> {
  if ((options.nights ?? 1) > MAX_NIGHTS) throw new Error(`at most ${MAX_NIGHTS} nights`);
  if (subscriptions % (SUBSCRIPTIONS_PER_CUSTOMER * DUE_EVERY) !== 0) {
    throw new Error(`subscriptions must be a multiple of ${SUBSCRIPTIONS_PER_CUSTOMER * DUE_EVERY}`);
  }
  await putReference(store);
  const customers = subscriptions / SUBSCRIPTIONS_PER_CUSTOMER;
  const client = await store.table("customers");
  const concurrency = options.concurrency ?? 16;
  for (let first = 0; first < customers; first += SEED_CHUNK) {
    const indices = Array.from({ length: Math.min(SEED_CHUNK, customers - first) }, (_, i) => first + i);
    const entries: IndexEntry[] = [];
    const transactions = indices.map((index) => {
      const plan = planCommit(
        client.tableName,
        blankCustomerState(customerId(index)),
        customerChanges(index, options.nights ?? 1),
      );
      entries.push(...plan.index.writes);
      return plan.actions;
    });
    // Index entries first, as commit writes them: a partition is never reachable before it is indexed.
    await mapWithConcurrency(inTransactions(entries), concurrency, (group) =>
      writeIndexEntries(store, group),
    );
    await mapWithConcurrency(transactions, concurrency, async (actions) => {
      await client.submitTransaction([...actions]);
    });
    options.onProgress?.(first + indices.length);
  }
  const dueCustomers = customers / DUE_EVERY;
  return { subscriptions, customers, dueSubscriptions: dueCustomers, dueCustomers };
}

/** Index entries grouped by partition, at most 100 (one transaction) a group. */
function inTransactions(entries: readonly IndexEntry[]): IndexEntry[][] {
  const byPartition = new Map<string, IndexEntry[]>();
  for (const entry of entries) {
    const group = byPartition.get(entry.partitionKey) ?? [];
    group.push(entry);
    byPartition.set(entry.partitionKey, group);
  }
  return [...byPartition.values()].flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / 100) }, (_, i) => group.slice(i * 100, i * 100 + 100)),
  );
}

/** Everything one customer's partition holds after its migration was decided. */
export function customerChanges(index: number, nights = 1): Change[] {
  const id = customerId(index);
  const originals = Array.from({ length: SUBSCRIPTIONS_PER_CUSTOMER }, (_, item) =>
    aLicenseSubscription(id, `sub-${item}`, termEnd(index, item, nights)),
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

/**
 * Item 0 of every DUE_EVERY-th customer ends before AS_OF (and with more nights, item 0 of as many
 * others an hour before each later night); every other term ends a day or more after AS_OF.
 */
function termEnd(customer: number, item: number, nights: number): Date {
  if (item === 0 && customer % DUE_EVERY === 0) return new Date(AS_OF.getTime() - 10 * DAY_MS);
  const night = NIGHT_RESIDUES.findIndex((residue) => residue === customer % DUE_EVERY);
  if (item === 0 && night > 0 && night < nights) return new Date(nightAsOf(night).getTime() - HOUR_MS);
  return new Date(AS_OF.getTime() + (1 + ((customer * SUBSCRIPTIONS_PER_CUSTOMER + item) % 300)) * DAY_MS);
}
