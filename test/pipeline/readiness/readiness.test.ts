/**
 * The readiness check agrees with the processor: for generated states and requests, what
 * POST /api/migrations/validate answers equals what the processor then decides on the same state,
 * and the check itself writes nothing. Against Azurite, through the real processor.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { processMigrationMessage } from "../../../functions/processMigrationMessage.js";
import type { MigrationItemRequest, Relationship, Subscription } from "../../../shared/domain/index.js";
import { channelSchema } from "../../../shared/domain/index.js";
import { checkReadiness, readinessOf } from "../../../shared/pipeline/readiness.js";
import { runtime } from "../../../shared/pipeline/runtime.js";
import { commit, getEntity, loadCustomerState, put } from "../../../shared/storage/index.js";
import { uniqueId } from "../../setup/tables.js";
import {
  aSubscription,
  invocation,
  migrationRequest,
  NOW,
  partitionRows,
  seedWorld,
  submitMigration,
  TERM_END,
  usePipelineWorld,
} from "../processors/support.js";

const world = usePipelineWorld(import.meta.url);

const SUBSCRIPTIONS = ["sub-1", "sub-2", "sub-3"];

/** Usually `usual`, sometimes one of `others`: most generated states should be able to proceed. */
function mostly<T>(usual: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
  );
}

const subscriptionArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    kind: mostly<Subscription["kind"]>("license", "usage"),
    channel: mostly(...(["direct", ...channelSchema.options] as const)),
    offerId: mostly("o365-e3", "o365-e5", "o365-old", "o365-new"),
    status: mostly<Subscription["status"]>("active", "expired", "suspended"),
    termEnd: fc.constantFrom(TERM_END, "2025-03-20T00:00:00.000Z", "2025-02-01T00:00:00.000Z"),
  });

const itemArb: fc.Arbitrary<MigrationItemRequest> = fc.record(
  {
    subscriptionId: fc.constantFrom(...SUBSCRIPTIONS, "sub-unknown"),
    targetOfferId: mostly("o365-e5", "o365-e3", "o365-old", "o365-new", "missing-offer"),
    targetSeats: fc.integer({ min: 5, max: 40 }),
    cancelOriginal: fc.constantFrom("at-term-end", "immediately", "keep"),
    startAt: fc.constantFrom("now", "term-end"),
    allowSeatReduction: fc.boolean(),
  },
  { requiredKeys: ["subscriptionId", "cancelOriginal", "targetOfferId"] },
);

const caseArb = fc.record({
  subscriptions: fc.tuple(...SUBSCRIPTIONS.map(subscriptionArb)),
  relationship: fc.constantFrom<Relationship["status"] | "none">(
    "active",
    "active",
    "pending",
    "none",
    "declined",
  ),
  delegatedAdmin: fc.boolean(),
  partnerCloud: mostly("public", "us-government"),
  role: mostly("account-admin", "sales-agent", "global-admin", "helpdesk-agent"),
  items: fc.uniqueArray(itemArb, { minLength: 1, maxLength: 4, selector: (item) => item.subscriptionId }),
  registered: mostly("both", "no-partner", "no-customer"),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** A plain case: the customer's own direct licences, one item moving sub-1 to E5. */
function plainCase(overrides: Partial<Case>): Case {
  const subscription = (id: string): Case["subscriptions"][number] => ({
    id,
    kind: "license",
    channel: "direct",
    offerId: "o365-e3",
    status: "active",
    termEnd: TERM_END,
  });
  return {
    subscriptions: [subscription("sub-1"), subscription("sub-2"), subscription("sub-3")],
    relationship: "active",
    delegatedAdmin: false,
    partnerCloud: "public",
    role: "account-admin",
    items: [{ subscriptionId: "sub-1", targetOfferId: "o365-e5", cancelOriginal: "at-term-end" }],
    registered: "both",
    ...overrides,
  };
}

const VERDICT_EXAMPLES: readonly Case[] = [
  plainCase({}),
  plainCase({ relationship: "pending" }),
  plainCase({ role: "helpdesk-agent" }),
];

describe("POST /api/migrations/validate agrees with the processor", () => {
  it("for generated states and requests, every verdict equals the processor's decision", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const ids = await seedWorld(world.store, {
          partner: c.registered === "no-partner" ? false : { cloud: c.partnerCloud as "public" },
          customer: c.registered === "no-customer" ? false : {},
          subscriptions: (customerId) =>
            c.subscriptions.map((raw) => ({
              ...aSubscription(customerId, raw.id, { kind: raw.kind, channel: raw.channel }),
              offerId: raw.offerId,
              status: raw.status,
              termEnd: raw.termEnd,
              ...(raw.channel === "csp" ? { partnerOfRecord: "someone-else" } : {}),
            })),
        });
        if (c.relationship !== "none") {
          const id = uniqueId("rel");
          await commit(world.store, await loadCustomerState(world.store, ids.customerId), [
            put.relationship({
              id,
              ...ids,
              status: c.relationship,
              delegatedAdmin: c.delegatedAdmin,
              requestedBy: { userId: "alice@partner.example", role: "global-admin" },
              createdAt: NOW,
              updatedAt: NOW,
              ...(c.relationship === "pending" ? { expiresAt: "2025-05-01T00:00:00.000Z" } : {}),
              violations: [],
            }),
          ]);
        }
        const actor = { userId: "bob@partner.example", role: c.role };
        const before = await partitionRows(world.store, ids.customerId);
        const readiness = await checkReadiness(runtime(), { ...ids, actor, items: c.items });
        expect(await partitionRows(world.store, ids.customerId)).toEqual(before);

        const migrationId = await submitMigration(world.store, ids, c.items, { role: c.role });
        await processMigrationMessage(migrationRequest(ids.customerId, migrationId), invocation("p").context);
        const decided = (await getEntity(world.store, "migration", ids.customerId, migrationId))?.value;
        if (decided === undefined) throw new Error("the processor stored no migration");
        const { decidedAt: _at, ...verdicts } = readiness;
        expect(verdicts).toEqual(readinessOf(decided));
        seen.add(readiness.verdict);
      }),
      // Random states reach all three verdicts only most of the time: one example of each makes sure.
      { numRuns: 40, examples: VERDICT_EXAMPLES.map((example) => [example] as [Case]) },
    );
    // The generated states reach every verdict, so the agreement is not only about refusals.
    expect([...seen].sort()).toEqual(["proceeds", "refused", "waits-for-relationship"]);
  });
});
