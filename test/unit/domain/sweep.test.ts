import { describe, expect, it } from "vitest";

import {
  isLineItemSettled,
  lineItemDueAt,
  type Migration,
  newSubscriptionId,
  planSweep,
  type SweepInput,
  type SweepPlan,
} from "../../../shared/domain/index.js";
import {
  applyPlan,
  decide,
  expectValidMigrationOutcome,
  expectValidRelationshipOutcome,
  item,
  migration,
  NOW,
  relationship,
  rulesIn,
  subscription,
  TERM_END,
} from "./fixtures.js";

const LATER_END = "2025-09-01T00:00:00.000Z";
const original = subscription();
const second = subscription({ id: "sub-2", termEnd: LATER_END });
const otherCsp = subscription({ id: "sub-csp", channel: "csp", partnerOfRecord: "partner-b" });

/** A migration decided at NOW in the default world (active relationship). */
function decided(requests = [item()], subscriptions = [original, second, otherCsp]): Migration {
  return decide(requests, { subscriptions }).migration;
}

function sweep(input: SweepInput): SweepPlan {
  const plan = planSweep(input);
  plan.migrations.forEach(expectValidMigrationOutcome);
  plan.relationships.forEach(expectValidRelationshipOutcome);
  return plan;
}

function expectIdempotent(input: SweepInput): void {
  const plan = sweep(input);
  const again = sweep(applyPlan(input, plan));
  expect(again).toEqual({
    asOf: plan.asOf,
    relationships: [],
    migrations: [],
    subscriptionChanges: [],
    skipped: [],
  });
}

describe("the term-end sweep", () => {
  it("does nothing before the term end", () => {
    const input = {
      now: "2025-06-30T23:59:59.999Z",
      migrations: [decided()],
      subscriptions: [original],
      relationships: [],
    };
    expect(sweep(input)).toEqual({
      asOf: "2025-06-30T23:59:59.999Z",
      relationships: [],
      migrations: [],
      subscriptionChanges: [],
      skipped: [],
    });
  });

  it("expires the original at its term end and completes the migration (MIG-1 step 3, MIG-2)", () => {
    const input = { now: TERM_END, migrations: [decided()], subscriptions: [original], relationships: [] };
    const plan = sweep(input);
    expect(plan.migrations).toHaveLength(1);
    const [outcome] = plan.migrations;
    expect(outcome!.path).toEqual(["completed"]);
    expect(outcome!.migration.items[0]!.status).toBe("original-expired");
    expect(outcome!.history).toEqual([
      expect.objectContaining({
        at: TERM_END,
        by: "timer",
        from: "awaiting-term-end",
        to: "completed",
        rules: ["MIG-1", "MIG-2"],
      }),
    ]);
    expect(plan.subscriptionChanges).toEqual([
      expect.objectContaining({
        change: "expired",
        subscription: { ...original, status: "expired" },
        rules: ["MIG-1", "MIG-2"],
      }),
    ]);
    expectIdempotent(input);
  });

  it("moves each item when its own term ends, completing the migration with the last", () => {
    const both = decided([item(), item({ subscriptionId: "sub-2" })]);
    const first = {
      now: TERM_END,
      migrations: [both],
      subscriptions: [original, second],
      relationships: [],
      by: "admin",
    };
    const plan = sweep(first);
    expect(plan.migrations[0]!.path).toEqual([]);
    expect(plan.migrations[0]!.migration.status).toBe("awaiting-term-end");
    expect(plan.migrations[0]!.migration.items.map((line) => line.status)).toEqual([
      "original-expired",
      "provisioned",
    ]);
    expect(plan.migrations[0]!.history).toEqual([]);
    expectIdempotent(first);

    const later = { ...applyPlan(first, plan), now: LATER_END };
    const last = sweep(later);
    expect(last.migrations[0]!.path).toEqual(["completed"]);
    expect(last.migrations[0]!.history[0]!.by).toBe("admin");
    expectIdempotent(later);
  });

  it("provisions an MC-3 item scheduled for term end, then expires its original", () => {
    const scheduled = decided([item({ subscriptionId: "sub-csp", startAt: "term-end" })]);
    expect(lineItemDueAt(scheduled.items[0]!)).toBe(TERM_END);
    const early = {
      now: "2025-06-01T00:00:00.000Z",
      migrations: [scheduled],
      subscriptions: [otherCsp],
      relationships: [],
    };
    expect(sweep(early).migrations).toEqual([]);

    const input = { ...early, now: TERM_END };
    const plan = sweep(input);
    expect(plan.migrations[0]!.migration.items[0]).toMatchObject({
      status: "original-expired",
      provisionAt: TERM_END,
      newSubscriptionId: newSubscriptionId("mig-1", "sub-csp"),
    });
    expect(plan.subscriptionChanges.map((change) => [change.change, change.subscription.id])).toEqual([
      ["created", newSubscriptionId("mig-1", "sub-csp")],
      ["expired", "sub-csp"],
    ]);
    expect(plan.migrations[0]!.migration.status).toBe("completed");
    expectIdempotent(input);
  });

  it("skips a scheduled item whose original is missing, leaving it due", () => {
    const scheduled = decided([item({ subscriptionId: "sub-csp", startAt: "term-end" })]);
    const plan = sweep({ now: TERM_END, migrations: [scheduled], subscriptions: [], relationships: [] });
    expect(plan.migrations).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        migrationId: "mig-1",
        subscriptionId: "sub-csp",
        reason: expect.stringContaining("sub-csp") as string,
      },
    ]);
  });

  it("retires an item whose original is gone or already ended without rewriting it", () => {
    for (const subscriptions of [[], [{ ...original, status: "cancelled" as const }]]) {
      const plan = sweep({ now: TERM_END, migrations: [decided()], subscriptions, relationships: [] });
      expect(plan.migrations[0]!.migration.items[0]!.status).toBe("original-expired");
      expect(plan.subscriptionChanges).toEqual([]);
    }
  });

  it("cancels (not expires) an original whose item asked for an immediate cancellation", () => {
    const record = decided();
    const immediate = { ...record.items[0]!, cancelOriginal: "immediately" as const, cancelAt: NOW };
    const plan = sweep({
      now: NOW,
      migrations: [{ ...record, items: [immediate] }],
      subscriptions: [original],
      relationships: [],
    });
    expect(plan.migrations[0]!.migration.items[0]!.status).toBe("original-cancelled");
    expect(plan.subscriptionChanges[0]!.subscription.status).toBe("cancelled");
  });

  it("completes an awaiting-term-end migration whose items are all settled already", () => {
    const record = decided([item({ cancelOriginal: "immediately" })]);
    expect(record.items.every(isLineItemSettled)).toBe(true);
    const plan = sweep({
      now: NOW,
      migrations: [{ ...record, status: "awaiting-term-end" }],
      subscriptions: [],
      relationships: [],
    });
    expect(plan.migrations[0]!.path).toEqual(["completed"]);
  });

  it("ignores migrations in other statuses and reads each migration once", () => {
    const record = decided();
    const plan = sweep({
      now: TERM_END,
      migrations: [
        record,
        record,
        { ...record, id: "mig-2", status: "provisioning" },
        { ...record, id: "mig-3", status: "completed" },
      ],
      subscriptions: [original],
      relationships: [],
    });
    expect(plan.migrations.map((outcome) => outcome.migration.id)).toEqual(["mig-1"]);
  });
});

describe("REL-3 the sweep expires unanswered invitations", () => {
  const invitation = relationship({ status: "pending", expiresAt: "2025-05-01T00:00:00.000Z" });
  const waiting = decide([item()], { relationships: [invitation] }).migration;

  it("leaves an invitation alone until its expiry, and one without an expiry for ever", () => {
    const input = {
      now: "2025-04-30T00:00:00.000Z",
      migrations: [waiting],
      subscriptions: [],
      relationships: [invitation, relationship({ id: "rel-x", status: "pending" })],
    };
    expect(sweep(input).relationships).toEqual([]);
    expect(sweep(input).migrations).toEqual([]);
  });

  it("expires it and rejects the migrations waiting on it", () => {
    const unrelated = { ...waiting, id: "mig-2", relationshipId: "rel-other" };
    const input = {
      now: "2025-05-01T00:00:00.000Z",
      migrations: [waiting, unrelated],
      subscriptions: [],
      relationships: [invitation],
    };
    const plan = sweep(input);
    expect(plan.relationships.map((outcome) => outcome.relationship.status)).toEqual(["expired"]);
    expect(rulesIn(plan.relationships[0]!.relationship.violations)).toEqual(["REL-3"]);
    expect(plan.relationships[0]!.history[0]).toMatchObject({
      by: "timer",
      from: "pending",
      to: "expired",
      rules: ["REL-3"],
    });
    expect(plan.migrations).toHaveLength(1);
    const [rejected] = plan.migrations;
    expect(rejected!.migration).toMatchObject({ id: "mig-1", status: "rejected" });
    expect(rulesIn(rejected!.migration.violations)).toEqual(["REL-3"]);
    expect(rejected!.migration.items.map((line) => line.status)).toEqual(["rejected"]);
    expectIdempotent(input);
  });

  it("rejects a migration still waiting on an invitation an earlier run expired", () => {
    const expired = { ...invitation, status: "expired" as const };
    const orphan = { ...waiting, relationshipId: null };
    const plan = sweep({
      now: "2025-06-01T00:00:00.000Z",
      migrations: [waiting, { ...orphan, id: "mig-9" }],
      subscriptions: [],
      relationships: [expired],
    });
    expect(plan.relationships).toEqual([]);
    expect(plan.migrations.map((outcome) => [outcome.migration.id, outcome.migration.status])).toEqual([
      ["mig-1", "rejected"],
    ]);
  });
});

describe("migration(): a submitted migration is never swept", () => {
  it("has nothing due", () => {
    expect(
      sweep({ now: LATER_END, migrations: [migration()], subscriptions: [], relationships: [] }).migrations,
    ).toEqual([]);
  });
});

describe("line item history of the sweep", () => {
  it("records the retirement, and the deferred provisioning before it", () => {
    const plan = sweep({
      now: TERM_END,
      migrations: [decided()],
      subscriptions: [original],
      relationships: [],
    });
    expect(plan.migrations[0]!.itemHistory).toEqual([
      {
        subscriptionId: "sub-1",
        entry: expect.objectContaining({
          by: "timer",
          from: "provisioned",
          to: "original-expired",
          rules: ["MIG-1", "MIG-2"],
        }) as unknown,
      },
    ]);
    const scheduled = decided([item({ subscriptionId: "sub-csp", startAt: "term-end" })]);
    const later = sweep({
      now: TERM_END,
      migrations: [scheduled],
      subscriptions: [otherCsp],
      relationships: [],
    });
    expect(later.migrations[0]!.itemHistory.map(({ entry }) => [entry.from, entry.to])).toEqual([
      ["planned", "provisioned"],
      ["provisioned", "original-expired"],
    ]);
  });
});

describe("MC-3 in the sweep", () => {
  it("reschedules a deferred move whose original's term was extended, instead of moving it early", () => {
    const scheduled = decided([item({ subscriptionId: "sub-csp", startAt: "term-end" })]);
    const renewed = { ...otherCsp, termEnd: LATER_END };
    const input = { now: TERM_END, migrations: [scheduled], subscriptions: [renewed], relationships: [] };
    const plan = sweep(input);
    expect(plan.subscriptionChanges).toEqual([]);
    expect(plan.migrations[0]!.migration.items[0]).toMatchObject({
      status: "planned",
      provisionAt: LATER_END,
      cancelAt: LATER_END,
    });
    expect(plan.migrations[0]!.itemHistory).toEqual([]);
    expectIdempotent(input);
    const later = sweep({ ...applyPlan(input, plan), now: LATER_END });
    expect(later.migrations[0]!.migration.status).toBe("completed");
  });
});

describe("the term-end sweep in live mode (MIG-9: the original goes once its replacement is ordered)", () => {
  const scheduled = () => decided([item({ subscriptionId: "sub-csp", startAt: "term-end" })]);
  const atTermEnd = (migrations: Migration[]): SweepInput => ({
    now: TERM_END,
    migrations,
    subscriptions: [otherCsp],
    relationships: [],
    ordersInPartnerCenter: true,
  });

  it("provisions the item to be bought and leaves its original running; bought, the original expires", () => {
    const input = atTermEnd([scheduled()]);
    const plan = sweep(input);
    expect(plan.migrations[0]!.migration).toMatchObject({
      status: "awaiting-term-end",
      items: [{ status: "provisioned", execution: "ordering", cancelAt: TERM_END }],
    });
    expect(plan.subscriptionChanges.map((change) => change.change)).toEqual(["created"]);
    expect(plan.skipped).toEqual([]);
    expectIdempotent(input);

    const provisionedNow = applyPlan(input, plan);
    const [stored] = provisionedNow.migrations;
    const ordered = {
      ...stored!,
      items: stored!.items.map((it) => ({ ...it, execution: "ordered" as const })),
    };
    const next = sweep({ ...provisionedNow, migrations: [ordered] });
    expect(next.migrations[0]!.migration).toMatchObject({
      status: "completed",
      items: [{ status: "original-expired", execution: "ordered" }],
    });
    expect(next.subscriptionChanges.map((change) => [change.change, change.subscription.id])).toEqual([
      ["expired", "sub-csp"],
    ]);
  });

  it("keeps the original of a refused order, and says so, the item staying due", () => {
    const input = atTermEnd([scheduled()]);
    const [stored] = applyPlan(input, sweep(input)).migrations;
    const failed: Migration = {
      ...stored!,
      items: stored!.items.map((it) => ({
        ...it,
        execution: "order-failed" as const,
        orderError: { status: 400, message: "800002: refused", at: TERM_END },
      })),
    };
    const plan = sweep({ ...input, migrations: [failed] });
    expect(plan.migrations).toEqual([]);
    expect(plan.subscriptionChanges).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        migrationId: "mig-1",
        subscriptionId: "sub-csp",
        reason: expect.stringMatching(/^MIG-9: .*800002: refused.*original is kept/) as string,
      },
    ]);
    expect(lineItemDueAt(failed.items[0]!)).toBe(TERM_END);
  });

  it("in records mode provisions and retires in one step, as before", () => {
    const plan = sweep({ ...atTermEnd([scheduled()]), ordersInPartnerCenter: false });
    expect(plan.migrations[0]!.migration).toMatchObject({
      status: "completed",
      items: [{ status: "original-expired", execution: "recorded" }],
    });
  });
});
