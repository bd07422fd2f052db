/** Properties of the rules over generated customer states (fast-check). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  addDays,
  applySubscriptionChanges,
  canTransition,
  channelSchema,
  decideMigration,
  isTerminal,
  type LifecycleKind,
  LINE_ITEM_STATUSES,
  type LineItem,
  type CancelOriginal,
  type Cloud,
  type Migration,
  type MigrationItemRequest,
  type MigrationDecisionInput,
  MIGRATION_STATUSES,
  type Offer,
  planSweep,
  processRelationshipAnswer,
  type Relationship,
  RELATIONSHIP_STATUSES,
  ruleIdSchema,
  type Subscription,
  transition,
  type Violation,
} from "../../../shared/domain/index.js";
import {
  applyPlan,
  customer,
  expectValidMigrationOutcome,
  item,
  migration,
  NOW,
  partner,
  relationship,
  subscription,
} from "./fixtures.js";

const RUNS = { numRuns: 300 };
const LICENSE_OFFERS = ["lic-1", "lic-2", "lic-3"];
const USAGE_OFFERS = ["use-1", "use-2"];
const PARTNERS = ["partner-a", "partner-b", "partner-c"];
const ROLES = ["account-admin", "sales-agent", "billing-agent", "global-admin", "helpdesk-agent"];

const days = (offset: number) => addDays(NOW, offset);

/** Usually `usual`, sometimes one of `others`: most generated states should be able to proceed. */
function mostly<T>(usual: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 20, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
  );
}

/** Usually absent: optional request fields are the exception. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

const ALL_OFFERS = [...LICENSE_OFFERS, ...USAGE_OFFERS];

const offersArb: fc.Arbitrary<Offer[]> = fc
  .tuple(
    ...ALL_OFFERS.map((id) =>
      fc.record({
        present: mostly(true, false),
        discontinued: mostly(false, true),
        equivalents: fc.subarray(ALL_OFFERS.filter((other) => other !== id)),
      }),
    ),
  )
  .map((entries) =>
    entries.flatMap((entry, index) => {
      const id = ALL_OFFERS[index]!;
      if (!entry.present) return [];
      const kind = LICENSE_OFFERS.includes(id) ? "license" : "usage";
      return [
        {
          id,
          name: id,
          kind,
          discontinued: entry.discontinued,
          equivalentOfferIds: entry.equivalents,
        } satisfies Offer,
      ];
    }),
  );

function subscriptionArb(id: string): fc.Arbitrary<Subscription> {
  return fc
    .record({
      kind: fc.constantFrom<Subscription["kind"]>("license", "usage"),
      channel: fc.oneof(
        { weight: 2, arbitrary: fc.constant("direct" as const) },
        { weight: 3, arbitrary: fc.constantFrom(...channelSchema.options) },
      ),
      holder: fc.constantFrom(...PARTNERS),
      seats: fc.integer({ min: 0, max: 50 }),
      termEnd: fc.integer({ min: -60, max: 400 }),
      billingCycle: fc.constantFrom<Subscription["billingCycle"]>("monthly", "annual", "none"),
      status: mostly<Subscription["status"]>("active", "expired", "cancelled", "suspended"),
      purchasedVia: fc.option(fc.constantFrom("m365-admin-portal" as const, "partner-center" as const), {
        nil: undefined,
      }),
      offer: fc.integer({ min: 0, max: 2 }),
      customerId: mostly("contoso", "fabrikam"),
    })
    .map((raw) => {
      const { seats: _seats, ...base } = subscription({
        id,
        customerId: raw.customerId,
        kind: raw.kind,
        channel: raw.channel,
        offerId: raw.kind === "license" ? LICENSE_OFFERS[raw.offer]! : USAGE_OFFERS[raw.offer % 2]!,
        termStart: days(raw.termEnd - 365),
        termEnd: days(raw.termEnd),
        billingCycle: raw.billingCycle,
        status: raw.status,
      });
      return {
        ...base,
        ...(raw.kind === "license" ? { seats: raw.seats } : {}),
        ...(raw.channel === "csp" ? { partnerOfRecord: raw.holder } : {}),
        ...(raw.purchasedVia === undefined ? {} : { purchasedVia: raw.purchasedVia }),
      };
    });
}

const subscriptionsArb = fc
  .integer({ min: 1, max: 5 })
  .chain((count) =>
    fc.tuple(...Array.from({ length: count }, (_, index) => subscriptionArb(`sub-${index}`))),
  );

/** At most one relationship per partner; partner A's is usually active. */
const relationshipsArb: fc.Arbitrary<Relationship[]> = fc
  .tuple(
    ...PARTNERS.map((partnerId) => {
      const status =
        partnerId === "partner-a"
          ? fc.oneof(
              { weight: 12, arbitrary: fc.constant<Relationship["status"]>("active") },
              { weight: 4, arbitrary: fc.constant<Relationship["status"]>("pending") },
              { weight: 1, arbitrary: fc.constantFrom(...RELATIONSHIP_STATUSES) },
            )
          : fc.constantFrom(...RELATIONSHIP_STATUSES);
      const record = fc.record({
        status,
        delegatedAdmin: fc.boolean(),
        expires: fc.option(fc.integer({ min: -30, max: 120 }), { nil: undefined }),
      });
      return fc.option(record, { nil: undefined, freq: partnerId === "partner-a" ? 10 : 2 }).map((raw) =>
        raw === undefined
          ? []
          : [
              relationship({
                id: `rel-${partnerId}`,
                partnerId,
                status: raw.status,
                delegatedAdmin: raw.delegatedAdmin,
                ...(raw.expires === undefined ? {} : { expiresAt: days(raw.expires) }),
              }),
            ],
      );
    }),
  )
  .map((lists) => lists.flat());

const requestArb = (subscriptionIds: string[]): fc.Arbitrary<MigrationItemRequest> =>
  fc
    .record({
      subscriptionId: fc.oneof(
        { weight: 15, arbitrary: fc.constantFrom(...subscriptionIds) },
        { weight: 1, arbitrary: fc.constant("missing") },
      ),
      targetOfferId: sometimes(fc.constantFrom(...ALL_OFFERS, "unknown")),
      targetSeats: sometimes(fc.integer({ min: 0, max: 60 })),
      cancelOriginal: mostly<CancelOriginal>("at-term-end", "immediately", "keep"),
      startAt: fc.option(fc.constantFrom("now" as const, "term-end" as const), { nil: undefined }),
      allowSeatReduction: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map(
      (raw) =>
        Object.fromEntries(
          Object.entries(raw).filter(([, value]) => value !== undefined),
        ) as MigrationItemRequest,
    );

/** Another migration of the same customer, holding some subscriptions in items of any status. */
const otherMigrationArb = (subscriptionIds: string[], index: number): fc.Arbitrary<Migration> =>
  fc
    .record({
      partnerId: fc.constantFrom(...PARTNERS),
      status: fc.constantFrom(...MIGRATION_STATUSES),
      held: fc.subarray(subscriptionIds, { maxLength: 1 }),
      itemStatus: fc.constantFrom(...LINE_ITEM_STATUSES),
    })
    .map((raw) =>
      migration({
        id: `mig-other-${index}`,
        partnerId: raw.partnerId,
        status: raw.status,
        request: raw.held.length > 0 ? raw.held.map((subscriptionId) => item({ subscriptionId })) : [item()],
        items: raw.held.map((subscriptionId) => lineItem(subscriptionId, raw.itemStatus)),
      }),
    );

function lineItem(subscriptionId: string, status: LineItem["status"]): LineItem {
  return {
    subscriptionId,
    kind: "license",
    channel: "direct",
    path: "license-move",
    targetOfferId: "lic-1",
    targetSeats: 1,
    licenseReassignmentRequired: false,
    creditEligibility: "not-eligible",
    cancelOriginal: "at-term-end",
    cancelAt: null,
    refundNote: null,
    status,
    violations: [],
  };
}

/** A whole customer state and a migration of partner A to decide in it. */
const worldArb: fc.Arbitrary<MigrationDecisionInput> = subscriptionsArb.chain((subscriptions) => {
  const ids = subscriptions.map((found) => found.id);
  return fc
    .record({
      partnerRegion: mostly("US", "EU"),
      partnerCloud: mostly<Cloud>("public", "germany"),
      isCspPartner: mostly(false, true),
      role: mostly("account-admin", ...ROLES),
      status: mostly<"submitted" | "awaiting-relationship">("submitted", "awaiting-relationship"),
      requests: fc.uniqueArray(requestArb(ids), {
        minLength: 1,
        maxLength: 4,
        selector: (request) => request.subscriptionId,
      }),
      offers: offersArb,
      relationships: relationshipsArb,
      others: fc
        .array(fc.nat(), { maxLength: 2 })
        .chain((seeds) => fc.tuple(...seeds.map((_, index) => otherMigrationArb(ids, index)))),
    })
    .map((raw) => ({
      migration: migration({
        status: raw.status,
        relationshipId: raw.status === "awaiting-relationship" ? "rel-partner-a" : null,
        requestedBy: { userId: "bob", role: raw.role },
        request: raw.requests,
      }),
      partner: partner({ region: raw.partnerRegion, cloud: raw.partnerCloud }),
      customer: customer({ isCspPartner: raw.isCspPartner }),
      subscriptions,
      offers: raw.offers,
      relationships: raw.relationships,
      otherMigrations: raw.others,
      now: NOW,
    }));
});

function allViolations(migrationRecord: Migration): Violation[] {
  return [...migrationRecord.violations, ...migrationRecord.items.flatMap((line) => line.violations)];
}

function isLegalPath(kind: LifecycleKind, from: string, path: readonly string[]): boolean {
  let current = from;
  for (const next of path) {
    if (!canTransition(kind, current as never, next as never)) return false;
    current = next;
  }
  return true;
}

/** Statuses reachable from `from` by legal moves, `from` included. */
function reachable(kind: LifecycleKind, from: string, statuses: readonly string[]): Set<string> {
  const seen = new Set([from]);
  for (let grew = true; grew;) {
    grew = false;
    for (const a of [...seen]) {
      for (const b of statuses) {
        if (!seen.has(b) && canTransition(kind, a as never, b as never)) {
          seen.add(b);
          grew = true;
        }
      }
    }
  }
  return seen;
}

describe("properties of the migration decision", () => {
  it("is deterministic: the same state gives the same outcome", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        expect(decideMigration(structuredClone(input))).toEqual(decideMigration(input));
      }),
      RUNS,
    );
  });

  it("produces valid records whose every violation names a rule id of shared/domain/RULES.md", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const outcome = decideMigration(input);
        expectValidMigrationOutcome(outcome);
        for (const found of allViolations(outcome.migration)) {
          expect(ruleIdSchema.safeParse(found.rule).success).toBe(true);
          expect(found.message.length).toBeGreaterThan(0);
        }
        for (const entry of outcome.history) for (const rule of entry.rules) ruleIdSchema.parse(rule);
      }),
      RUNS,
    );
  });

  it("never moves a migration or an item backwards", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const outcome = decideMigration(input);
        expect(isLegalPath("migration", input.migration.status, outcome.path)).toBe(true);
        expect(outcome.migration.status).toBe(outcome.path.at(-1) ?? input.migration.status);
        const fromPlanned = reachable("lineItem", "planned", LINE_ITEM_STATUSES);
        for (const line of outcome.migration.items) expect(fromPlanned.has(line.status)).toBe(true);
        // The item history walks each item forwards, one legal step at a time, to where it stands.
        for (const line of outcome.migration.items) {
          const entries = outcome.itemHistory.filter((step) => step.subscriptionId === line.subscriptionId);
          const [first, ...rest] = entries.map((step) => step.entry);
          if (first === undefined) continue;
          expect(first.from === null ? ["planned", "rejected"] : [first.from]).toContain(first.to);
          const walk = [first.to, ...rest.map((entry) => entry.to)];
          expect(isLegalPath("lineItem", walk[0]!, walk.slice(1))).toBe(true);
          expect(walk.at(-1)).toBe(line.status);
        }
        // A rejected migration leaves no item proceeding, and nothing is written for it.
        if (outcome.migration.status === "rejected") {
          expect(outcome.migration.items.every((line) => line.status === "rejected")).toBe(true);
          expect(outcome.subscriptionChanges).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it("changes only the subscriptions its proceeding items name, plus the ones it creates", () => {
    fc.assert(
      fc.property(worldArb, (input) => {
        const outcome = decideMigration(input);
        const proceeding = new Set(
          outcome.migration.items
            .filter((line) => line.status !== "rejected")
            .map((line) => line.subscriptionId),
        );
        const existing = new Set(input.subscriptions.map((found) => found.id));
        for (const change of outcome.subscriptionChanges) {
          if (existing.has(change.subscription.id)) expect(proceeding.has(change.subscription.id)).toBe(true);
          else expect(change.change).toBe("created");
        }
      }),
      RUNS,
    );
  });

  it("MC-3: a license item of another CSP partner never proceeds before its term end", () => {
    const heldArb = fc.record({
      holder: fc.constantFrom("partner-b", "partner-c"),
      termEnd: fc.integer({ min: 1, max: 400 }),
      request: fc.oneof(
        requestArb(["sub-mc3"]).map((raw) => ({ ...raw, subscriptionId: "sub-mc3" })),
        fc.record({
          subscriptionId: fc.constant("sub-mc3"),
          cancelOriginal: mostly<CancelOriginal>("at-term-end", "immediately", "keep"),
          startAt: fc.constantFrom("now" as const, "term-end" as const),
        }),
      ),
      sweepAt: fc.integer({ min: 0, max: 500 }),
    });
    fc.assert(
      fc.property(worldArb, heldArb, (input, held) => {
        const termEnd = days(held.termEnd);
        const mc3 = subscription({
          id: "sub-mc3",
          offerId: "lic-1",
          channel: "csp",
          partnerOfRecord: held.holder,
          termStart: days(held.termEnd - 365),
          termEnd,
        });
        const world = {
          ...input,
          subscriptions: [...input.subscriptions, mc3],
          migration: { ...input.migration, request: [...input.migration.request, held.request] },
        };
        const outcome = decideMigration(world);
        // Undecided (still waiting for the relationship) means no item at all yet.
        const line = outcome.migration.items.find((found) => found.subscriptionId === "sub-mc3");
        expect(line === undefined ? "undecided" : line.status).toMatch(/^(undecided|planned|rejected)$/);
        if (line?.status === "planned" && outcome.migration.status !== "awaiting-relationship") {
          expect(line.provisionAt).toBe(termEnd);
        }
        expect(
          outcome.subscriptionChanges.filter((change) => change.originalSubscriptionId === "sub-mc3"),
        ).toEqual([]);

        // The sweep moves it only once the term has ended.
        const sweepAt = days(held.sweepAt);
        const plan = planSweep({
          now: sweepAt,
          migrations: [outcome.migration],
          subscriptions: applySubscriptionChanges(world.subscriptions, outcome.subscriptionChanges),
          relationships: input.relationships,
        });
        const moved = plan.subscriptionChanges.filter(
          (change) => change.originalSubscriptionId === "sub-mc3",
        );
        if (sweepAt < termEnd) expect(moved).toEqual([]);
        // ...and does move a scheduled one once it has.
        else if (line?.status === "planned" && outcome.migration.status === "awaiting-term-end") {
          expect(moved.map((change) => change.change)).toEqual(["created", "expired"]);
        }
      }),
      RUNS,
    );
  });
});

describe("properties of relationships", () => {
  it("MP-3: accepting a second partner's invitation never changes an existing subscription", () => {
    fc.assert(
      fc.property(worldArb, fc.boolean(), (input, withWaiting) => {
        const invitation = relationship({
          id: "rel-new",
          partnerId: "partner-b",
          status: "pending",
          delegatedAdmin: true,
          expiresAt: days(30),
        });
        const waiting = withWaiting
          ? [
              {
                ...input.migration,
                id: "mig-b",
                partnerId: "partner-b",
                status: "awaiting-relationship" as const,
                relationshipId: "rel-new",
              },
            ]
          : [];
        const before = structuredClone(input.subscriptions);
        const result = processRelationshipAnswer({
          relationship: invitation,
          answer: { decision: "accept", customerUserId: "carol" },
          now: NOW,
          partner: { ...input.partner, id: "partner-b" },
          customer: input.customer,
          subscriptions: input.subscriptions,
          relationships: [
            ...input.relationships.filter((found) => found.partnerId !== "partner-b"),
            invitation,
          ],
          migrations: [...input.otherMigrations, ...waiting],
          offers: input.offers,
        });
        expect(result.relationship.relationship.status).toBe("active");
        const after = applySubscriptionChanges(input.subscriptions, result.subscriptionChanges);
        const touched = new Set(
          result.migrations.flatMap((outcome) =>
            outcome.migration.items
              .filter((line) => line.status !== "rejected")
              .map((line) => line.subscriptionId),
          ),
        );
        for (const original of before) {
          const now = after.find((found) => found.id === original.id)!;
          if (!touched.has(original.id)) expect(JSON.stringify(now)).toBe(JSON.stringify(original));
        }
        if (!withWaiting) expect(result.subscriptionChanges).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("properties of the sweep", () => {
  it("is idempotent, and moves statuses only forwards", () => {
    const invitationArb = fc.option(fc.integer({ min: -30, max: 120 }), { nil: undefined });
    fc.assert(
      fc.property(worldArb, fc.integer({ min: -10, max: 500 }), invitationArb, (input, offset, expires) => {
        const decided = decideMigration(input);
        const relationships =
          expires === undefined
            ? input.relationships
            : [
                ...input.relationships,
                relationship({
                  id: "rel-x",
                  partnerId: "partner-c",
                  status: "pending",
                  expiresAt: days(expires),
                }),
              ];
        const sweepInput = {
          now: days(offset),
          migrations: [decided.migration, ...input.otherMigrations],
          subscriptions: applySubscriptionChanges(input.subscriptions, decided.subscriptionChanges),
          relationships,
        };
        const plan = planSweep(sweepInput);
        for (const outcome of plan.migrations) {
          const before = sweepInput.migrations.find((found) => found.id === outcome.migration.id)!;
          expect(isLegalPath("migration", before.status, outcome.path)).toBe(true);
          outcome.migration.items.forEach((line, index) => {
            const previous = before.items[index]!.status;
            expect(reachable("lineItem", previous, LINE_ITEM_STATUSES).has(line.status)).toBe(true);
          });
        }
        for (const outcome of plan.relationships) expect(outcome.path).toEqual(["expired"]);
        const again = planSweep(applyPlan(sweepInput, plan));
        expect(again.migrations).toEqual([]);
        expect(again.relationships).toEqual([]);
        expect(again.subscriptionChanges).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("properties of the lifecycles", () => {
  const tables: [LifecycleKind, readonly string[]][] = [
    ["relationship", RELATIONSHIP_STATUSES],
    ["migration", MIGRATION_STATUSES],
    ["lineItem", LINE_ITEM_STATUSES],
  ];
  it("no sequence of legal moves ever returns to a status it left", () => {
    for (const [kind, statuses] of tables) {
      fc.assert(
        fc.property(
          fc.constantFrom(...statuses),
          fc.array(fc.constantFrom(...statuses), { maxLength: 20 }),
          (start, attempts) => {
            const visited = [start];
            let current = start;
            for (const next of attempts) {
              if (!canTransition(kind, current as never, next as never)) {
                expect(() => transition(kind, current as never, next as never)).toThrow(current);
                continue;
              }
              current = transition(kind, current as never, next as never);
              expect(visited).not.toContain(current);
              visited.push(current);
            }
            if (isTerminal(kind, current as never)) {
              for (const next of statuses)
                expect(canTransition(kind, current as never, next as never)).toBe(false);
            }
          },
        ),
        { numRuns: 200 },
      );
    }
  });
});
