/**
 * The customer map: after a randomised run through the real processors, every partner's map equals
 * a recount from the customers' partitions; the route pages it (one query a page), filters it,
 * answers CSV, and shows a partner only its own.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { listPartnerCustomers } from "../../../functions/listPartnerCustomers.js";
import type { Subscription } from "../../../shared/domain/index.js";
import { processMigration } from "../../../shared/pipeline/processMigration.js";
import { processRelationship } from "../../../shared/pipeline/processRelationship.js";
import { readCustomerMap, type CustomerSummary } from "../../../shared/storage/customerMap.js";
import {
  loadCustomerState,
  type CustomerState,
  putPartner,
  RoundTripCounter,
  type TableStore,
} from "../../../shared/storage/index.js";
import { asOperator, asPartner } from "../../setup/callers.js";
import { uniqueId } from "../../setup/tables.js";
import { call } from "../http/support.js";
import {
  aPartner,
  aSubscription,
  migrationRequest,
  relationshipAnswer,
  relationshipRequest,
  seedWorld,
  submitMigration,
  submitRelationship,
  usePipelineWorld,
} from "../processors/support.js";

const counter = new RoundTripCounter();
const world = usePipelineWorld(import.meta.url, { tables: "map", counter });
const DAY_MS = 86_400_000;
const CHANNELS: readonly Subscription["channel"][] = ["direct", "ea", "open", "csp"];

interface CustomerPlan {
  readonly channels: readonly Subscription["channel"][];
  /** Per partner: no relationship, one left pending, accepted or declined. */
  readonly answers: readonly ("none" | "pending" | "accept" | "decline")[];
  /** Per partner: how many of the customer's subscriptions its migration asks for (0: none). */
  readonly migrate: readonly number[];
  readonly cancelImmediately: boolean;
}

const customerPlan = fc.record({
  channels: fc.array(fc.constantFrom(...CHANNELS), { minLength: 1, maxLength: 4 }),
  answers: fc.array(fc.constantFrom("none", "pending", "accept", "decline"), { minLength: 2, maxLength: 2 }),
  migrate: fc.array(fc.nat({ max: 3 }), { minLength: 2, maxLength: 2 }),
  cancelImmediately: fc.boolean(),
}) satisfies fc.Arbitrary<CustomerPlan>;

async function runCustomer(
  store: TableStore,
  partners: readonly string[],
  plan: CustomerPlan,
): Promise<string> {
  const { customerId } = await seedWorld(store, {
    partner: false,
    subscriptions: (id) =>
      plan.channels.map((channel, index) =>
        aSubscription(
          id,
          `sub-${index}`,
          channel === "csp" ? { channel, partnerOfRecord: "partner-elsewhere" } : { channel },
        ),
      ),
  });
  for (const [index, partnerId] of partners.entries()) {
    const ids = { partnerId, customerId };
    const answer = plan.answers[index] ?? "none";
    if (answer !== "none") {
      const relationshipId = await submitRelationship(store, ids);
      await processRelationship(relationshipRequest(customerId, relationshipId));
      if (answer !== "pending")
        await processRelationship(relationshipAnswer(customerId, relationshipId, answer));
    }
    const count = Math.min(plan.migrate[index] ?? 0, plan.channels.length);
    if (count > 0) {
      const request = Array.from({ length: count }, (_, item) => ({
        subscriptionId: `sub-${item}`,
        cancelOriginal: plan.cancelImmediately ? ("immediately" as const) : ("at-term-end" as const),
      }));
      const migrationId = await submitMigration(store, ids, request);
      await processMigration(migrationRequest(customerId, migrationId));
    }
  }
  return customerId;
}

async function wholeMap(store: TableStore, partnerId: string): Promise<CustomerSummary[]> {
  const all: CustomerSummary[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await readCustomerMap(store, partnerId, {
      now: world.clock.now,
      limit: 3,
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    all.push(...page.customers);
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  return all;
}

type Recounted = Omit<CustomerSummary, "pendingSince">;

/**
 * Each partner's counts for one customer, tallied from the partition's rows directly (not through
 * summarizeCustomer, which the map is written from): a partner appears when it has a relationship
 * or a migration there; this run gives a partner at most one relationship per customer.
 */
function recountPartition(state: CustomerState, partners: readonly string[]): Recounted[] {
  const relationships = [...state.relationships.values()].map((entry) => entry.value);
  const migrations = [...state.migrations.values()].map((entry) => entry.value);
  const active = [...state.subscriptions.values()]
    .map((entry) => entry.value)
    .filter((subscription) => subscription.status === "active");
  const subscriptions: Record<string, number> = {};
  for (const { channel } of active) subscriptions[channel] = (subscriptions[channel] ?? 0) + 1;
  const termEnds = active.map((subscription) => new Date(subscription.termEnd).getTime());
  const counted: Recounted[] = [];
  for (const partnerId of partners) {
    const relationship = relationships.filter((candidate) => candidate.partnerId === partnerId);
    const own = migrations.filter((migration) => migration.partnerId === partnerId);
    if (relationship.length === 0 && own.length === 0) continue;
    expect(relationship.length).toBeLessThanOrEqual(1);
    const byStatus: Record<string, number> = {};
    for (const { status } of own) byStatus[status] = (byStatus[status] ?? 0) + 1;
    const standing = own.filter(
      (migration) => migration.status !== "rejected" && migration.status !== "failed",
    );
    const items = standing
      .flatMap((migration) => migration.items)
      .filter((item) => item.status !== "rejected");
    counted.push({
      customerId: state.customerId,
      partnerId,
      relationship: relationship[0]?.status ?? "none",
      delegatedAdmin: relationship[0]?.delegatedAdmin ?? false,
      migrations: byStatus,
      subscriptions,
      ...(termEnds.length === 0 ? {} : { nextTermEnd: new Date(Math.min(...termEnds)).toISOString() }),
      creditsToClaim: items.filter((item) => item.creditEligibility === "partner-may-request").length,
      licencesToReassign: items.filter(
        (item) => item.licenseReassignmentRequired && item.status !== "planned",
      ).length,
      version: state.version.tracked ? state.version.value : 0,
    });
  }
  return counted;
}

describe("the customer map", () => {
  it("equals a recount from the partitions after a randomised run", { timeout: 120_000 }, async () => {
    const { store } = world;
    const partners = [uniqueId("partner"), uniqueId("partner")];
    await Promise.all(partners.map((id) => putPartner(store, aPartner(id))));
    const plans = fc.sample(customerPlan, { numRuns: 16, seed: 15 });
    const customers: string[] = [];
    for (const plan of plans) customers.push(await runCustomer(store, partners, plan));

    const recount = new Map<string, Recounted[]>(partners.map((id) => [id, []]));
    for (const customerId of customers) {
      for (const counted of recountPartition(await loadCustomerState(store, customerId), partners)) {
        recount.get(counted.partnerId)?.push(counted);
      }
    }
    for (const partnerId of partners) {
      const byCustomer = (a: { customerId: string }, b: { customerId: string }) =>
        a.customerId.localeCompare(b.customerId);
      const expected = (recount.get(partnerId) ?? []).sort(byCustomer);
      expect(expected.length).toBeGreaterThan(0);
      const map = (await wholeMap(store, partnerId)).sort(byCustomer);
      expect(map.map(({ pendingSince: _p, ...counts }) => counts)).toEqual(expected);
      // The invitation's date is there exactly when one is pending (the follow-up needs it).
      for (const summary of map) {
        expect(summary.pendingSince !== undefined, summary.customerId).toBe(
          summary.relationship === "pending",
        );
      }
    }
    // The run reaches more than one relationship state and migration status, so the equality says something.
    const all = [...recount.values()].flat();
    expect(new Set(all.map((counted) => counted.relationship)).size).toBeGreaterThan(2);
    expect(new Set(all.flatMap((counted) => Object.keys(counted.migrations))).size).toBeGreaterThan(1);
  });

  it("pages, filters and answers CSV through the route, one query a page, and shows a partner only its own", async () => {
    const { store, clock } = world;
    const [partnerId, otherId] = [uniqueId("partner"), uniqueId("partner")];
    await Promise.all([partnerId, otherId].map((id) => putPartner(store, aPartner(id))));
    const accepted = await runCustomer(store, [partnerId], {
      channels: ["ea", "direct"],
      answers: ["accept"],
      migrate: [1],
      cancelImmediately: false,
    });
    const pending = await runCustomer(store, [partnerId], {
      channels: ["direct"],
      answers: ["pending"],
      migrate: [0],
      cancelImmediately: false,
    });
    const path = `/api/partners/${partnerId}/customers`;
    const as = await asPartner(store, partnerId);

    counter.reset();
    const all = await call(listPartnerCustomers, "GET", path, { now: clock.now, params: { partnerId }, as });
    expect(all.status).toBe(200);
    expect(counter.snapshot().byKind.query).toBe(1);
    const items = (
      all.body as { items: { customerId: string; relationship: string; needsAction: unknown[] }[] }
    ).items;
    expect(items.map((item) => [item.customerId, item.relationship]).sort()).toEqual(
      [
        [accepted, "active"],
        [pending, "pending"],
      ].sort(),
    );

    const filtered = await call(listPartnerCustomers, "GET", path, {
      now: clock.now,
      params: { partnerId },
      query: { relationship: "pending" },
      as,
    });
    expect(
      (filtered.body as { items: { customerId: string }[] }).items.map((item) => item.customerId),
    ).toEqual([pending]);

    // The invitation unanswered for more than 14 days needs a person, as of the clock passed in.
    const needing = async () =>
      (
        (
          await call(listPartnerCustomers, "GET", path, {
            now: clock.now,
            params: { partnerId },
            query: { needsAction: "true" },
            as,
          })
        ).body as { items: { customerId: string; needsAction: { what: string }[] }[] }
      ).items.filter((item) => item.customerId === pending);
    expect(await needing()).toEqual([]);
    const then = clock.now;
    clock.now = new Date(then.getTime() + 15 * DAY_MS);
    try {
      expect((await needing())[0]?.needsAction).toEqual([
        expect.objectContaining({ what: "follow-up-invitation" }),
      ]);
    } finally {
      clock.now = then;
    }

    const first = await call(listPartnerCustomers, "GET", path, {
      now: clock.now,
      params: { partnerId },
      query: { limit: "1" },
      as,
    });
    const token = (first.body as { continuationToken?: string }).continuationToken;
    expect(token).toBeDefined();
    const second = await call(listPartnerCustomers, "GET", path, {
      now: clock.now,
      params: { partnerId },
      query: { limit: "1", continuationToken: token ?? "" },
      as,
    });
    const pageIds = [first, second].map(
      (page) => (page.body as { items: { customerId: string }[] }).items[0]?.customerId,
    );
    expect(pageIds.sort()).toEqual([accepted, pending].sort());

    const csv = await call(listPartnerCustomers, "GET", path, {
      now: clock.now,
      params: { partnerId },
      headers: { accept: "text/csv" },
      as,
    });
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.text.trim().split("\r\n");
    expect(lines[0]).toBe(
      "customerId,relationship,delegatedAdmin,migrations,subscriptions,nextTermEnd,needsAction",
    );
    expect(lines.find((line) => line.startsWith(`${accepted},`))).toMatch(
      /^[^,]+,active,true,awaiting-term-end:1,/,
    );

    expect(
      (
        await call(listPartnerCustomers, "GET", path, {
          now: clock.now,
          params: { partnerId },
          as: await asPartner(store, otherId),
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(listPartnerCustomers, "GET", path, {
          now: clock.now,
          params: { partnerId },
          as: asOperator,
        })
      ).status,
    ).toBe(200);
  });
});
