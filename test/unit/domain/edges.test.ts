import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  decideMigration,
  migrationRequestBodySchema,
  processRelationshipAnswer,
  provisionItem,
  putSubscriptionBodySchema,
  toIso,
} from "../../../shared/domain/index.js";
import {
  CATALOGUE,
  customer,
  decide,
  item,
  migration,
  NOW,
  onlyItem,
  partner,
  relationship,
  subscription,
  TERM_END,
  TERM_START,
  world,
} from "./fixtures.js";

describe("time is passed in", () => {
  it("accepts a Date or an ISO string and stores canonical UTC", () => {
    expect(toIso(new Date(Date.UTC(2025, 2, 1)))).toBe(NOW);
    expect(toIso("2025-03-01T01:00:00+01:00")).toBe(NOW);
    expect(decideMigration(world({ now: new Date(NOW) }))).toEqual(decideMigration(world()));
  });
  it("refuses a time that does not parse", () => {
    expect(() => toIso("yesterday")).toThrow(RangeError);
    expect(() => toIso(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("provisioning guards", () => {
  it("refuses to provision an item without a path, or one that is not planned", () => {
    const line = onlyItem(
      decide([item()], { relationships: [relationship({ status: "pending", expiresAt: TERM_END })] }),
    );
    const context = { migrationId: "mig-1", partnerId: "partner-a", now: NOW };
    expect(() => provisionItem({ ...line, path: null }, subscription(), context)).toThrow(/no path/);
    expect(() => provisionItem({ ...line, status: "rejected" }, subscription(), context)).toThrow(
      /"rejected" to "provisioned"/,
    );
  });
  it("a term shorter than a day still gets a one-day replacement term", () => {
    const short = subscription({ termStart: TERM_START, termEnd: TERM_START });
    const outcome = decide([item({ cancelOriginal: "immediately" })], { subscriptions: [short] });
    expect(outcome.subscriptionChanges[0]!.subscription.termEnd).toBe("2025-03-02T00:00:00.000Z");
  });
});

describe("two migrations of one subscription at once: exactly one proceeds", () => {
  const contested = subscription();
  const relationships = [relationship(), relationship({ id: "rel-b", partnerId: "partner-b" })];
  const ofA = migration({ id: "mig-a" });
  const ofB = migration({ id: "mig-b", partnerId: "partner-b" });

  it("whichever is decided first holds it, in either order", () => {
    fc.assert(
      fc.property(fc.boolean(), (aFirst) => {
        const [first, second] = aFirst ? [ofA, ofB] : [ofB, ofA];
        const decideOne = (record: typeof ofA, others: (typeof ofA)[]) =>
          decideMigration({
            migration: record,
            partner: partner({ id: record.partnerId }),
            customer: customer(),
            subscriptions: [contested],
            offers: CATALOGUE,
            relationships,
            otherMigrations: others,
            now: NOW,
          });
        const one = decideOne(first, [second]);
        const two = decideOne(second, [one.migration]);
        expect(one.migration.status).toBe("awaiting-term-end");
        expect(two.migration.status).toBe("rejected");
        expect(two.migration.items[0]!.violations[0]!.message).toContain(first.id);
      }),
    );
  });

  it("waiting migrations resumed by one acceptance are decided oldest first", () => {
    const invitation = relationship({ status: "pending", expiresAt: TERM_END });
    const older = migration({
      id: "mig-z",
      status: "awaiting-relationship",
      relationshipId: "rel-a",
      createdAt: "2025-02-01T00:00:00.000Z",
    });
    const newer = migration({ id: "mig-y", status: "awaiting-relationship", relationshipId: "rel-a" });
    const twin = migration({ id: "mig-x", status: "awaiting-relationship", relationshipId: "rel-a" });
    const result = processRelationshipAnswer({
      relationship: invitation,
      answer: { decision: "accept", customerUserId: "carol" },
      now: NOW,
      partner: partner(),
      customer: customer(),
      subscriptions: [contested],
      relationships: [invitation],
      migrations: [newer, twin, older],
      offers: CATALOGUE,
    });
    expect(result.migrations.map((outcome) => [outcome.migration.id, outcome.migration.status])).toEqual([
      ["mig-z", "awaiting-term-end"],
      ["mig-x", "rejected"],
      ["mig-y", "rejected"],
    ]);
    expect(result.subscriptionChanges).toHaveLength(1);
  });
});

describe("an answer resumes only the migrations that waited on it", () => {
  it("leaves another partner's waiting migration alone (MP-1)", () => {
    const invitation = relationship({ status: "pending", expiresAt: TERM_END });
    const otherInvitation = relationship({
      id: "rel-b",
      partnerId: "partner-b",
      status: "pending",
      expiresAt: TERM_END,
    });
    const ours = migration({ id: "mig-a", status: "awaiting-relationship", relationshipId: "rel-a" });
    const theirs = migration({
      id: "mig-b",
      partnerId: "partner-b",
      status: "awaiting-relationship",
      relationshipId: "rel-b",
    });
    const result = processRelationshipAnswer({
      relationship: invitation,
      answer: { decision: "accept", customerUserId: "carol" },
      now: NOW,
      partner: partner(),
      customer: customer(),
      subscriptions: [subscription()],
      relationships: [invitation, otherInvitation],
      migrations: [ours, theirs],
      offers: CATALOGUE,
    });
    expect(result.migrations.map((outcome) => outcome.migration.id)).toEqual(["mig-a"]);
  });
});

describe("request bodies", () => {
  const body = {
    offerId: "o365-e3",
    kind: "license",
    channel: "csp",
    partnerOfRecord: "partner-b",
    seats: 10,
    termStart: TERM_START,
    termEnd: TERM_END,
    billingCycle: "annual",
    status: "active",
  };
  it("accepts a valid subscription and names every problem of a bad one", () => {
    expect(putSubscriptionBodySchema.safeParse(body).success).toBe(true);
    const { seats: _seats, partnerOfRecord: _partner, ...bad } = body;
    const result = putSubscriptionBodySchema.safeParse({ ...bad, termEnd: TERM_START });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join("."))).toEqual([
      "seats",
      "termEnd",
      "partnerOfRecord",
    ]);
  });
  it("refuses a migration that lists a subscription twice", () => {
    const request = {
      partnerId: "partner-a",
      customerId: "contoso",
      actor: { userId: "bob", role: "account-admin" },
      items: [item(), item({ subscriptionId: "sub-2" }), item()],
    };
    const result = migrationRequestBodySchema.safeParse(request);
    expect(result.error!.issues.map((issue) => issue.path.join("."))).toEqual(["items.2.subscriptionId"]);
    expect(
      migrationRequestBodySchema.safeParse({ ...request, items: request.items.slice(0, 2) }).success,
    ).toBe(true);
  });
});
