import { describe, expect, it } from "vitest";

import {
  answerRelationship,
  applySubscriptionChanges,
  authorizeMigrationRequest,
  authorizeRelationshipRequest,
  decideRelationshipRequest,
  KNOWN_ROLES,
  processRelationshipAnswer,
  type Relationship,
  type RelationshipAnswerProcessingInput,
  type RelationshipRequestInput,
  type Subscription,
} from "../../../shared/domain/index.js";
import {
  azure,
  CATALOGUE,
  customer,
  expectValidRelationshipOutcome,
  item,
  migration,
  NOW,
  partner,
  relationship,
  rulesIn,
  subscription,
} from "./fixtures.js";

function request(overrides: Partial<RelationshipRequestInput> = {}, record: Partial<Relationship> = {}) {
  const outcome = decideRelationshipRequest({
    relationship: relationship({ id: "rel-new", status: "submitted", delegatedAdmin: false, ...record }),
    partner: partner(),
    customer: customer(),
    relationships: [],
    now: NOW,
    invitationTtlDays: 90,
    ...overrides,
  });
  expectValidRelationshipOutcome(outcome);
  return outcome;
}

describe("ROLE-1 who may request a reseller relationship", () => {
  it.each(["global-admin", "user-admin", "sales-agent"])("allows %s", (role) => {
    expect(authorizeRelationshipRequest({ userId: "u", role })).toBeNull();
  });
  it.each(["account-admin", "billing-agent", "helpdesk-agent", "Global-Admin", "owner"])(
    "refuses %s",
    (role) => {
      const refused = authorizeRelationshipRequest({ userId: "u", role });
      expect(refused?.rule).toBe("ROLE-1");
      expect(refused?.message).toContain(`"${role}"`);
    },
  );
  it("refuses a request that reached the processor anyway", () => {
    const outcome = request({}, { requestedBy: { userId: "eve", role: "helpdesk-agent" } });
    expect(outcome.relationship.status).toBe("rejected");
    expect(rulesIn(outcome.violations)).toEqual(["ROLE-1"]);
  });
});

describe("ROLE-2 who may request a migration", () => {
  it.each(["account-admin", "sales-agent", "billing-agent"])("allows %s", (role) => {
    expect(authorizeMigrationRequest({ userId: "u", role })).toBeNull();
  });
  it.each(["global-admin", "user-admin", "helpdesk-agent", "intern"])("refuses %s", (role) => {
    expect(authorizeMigrationRequest({ userId: "u", role })?.rule).toBe("ROLE-2");
  });
  it("every known role is allowed by at least one of the two rules, except helpdesk-agent", () => {
    const allowed = KNOWN_ROLES.filter(
      (role) =>
        authorizeRelationshipRequest({ userId: "u", role }) === null ||
        authorizeMigrationRequest({ userId: "u", role }) === null,
    );
    expect(allowed).toEqual(KNOWN_ROLES.filter((role) => role !== "helpdesk-agent"));
  });
});

describe("REL-1 a relationship request becomes an invitation", () => {
  it("sends the invitation: submitted → pending, expiring after the TTL (REL-3)", () => {
    const outcome = request({ invitationTtlDays: 30 });
    expect(outcome.changed).toBe(true);
    expect(outcome.path).toEqual(["pending"]);
    expect(outcome.relationship).toMatchObject({
      status: "pending",
      expiresAt: "2025-03-31T00:00:00.000Z",
      updatedAt: NOW,
      violations: [],
    });
    expect(outcome.history).toEqual([
      expect.objectContaining({ from: "submitted", to: "pending", rules: ["REL-1"] }),
    ]);
  });

  it("refuses a second open invitation or active relationship of the same partner (inference)", () => {
    for (const existing of [
      relationship({ status: "active" }),
      relationship({ status: "pending", expiresAt: "2025-05-01T00:00:00.000Z" }),
    ]) {
      const outcome = request({ relationships: [existing] });
      expect(outcome.relationship.status).toBe("rejected");
      expect(rulesIn(outcome.relationship.violations)).toEqual(["REL-1"]);
      expect(outcome.violations[0]!.message).toContain("rel-a");
    }
  });

  it("allows a new request after a declined, expired, removed or lapsed one", () => {
    const past = [
      relationship({ status: "declined" }),
      relationship({ id: "rel-b", status: "expired" }),
      relationship({ id: "rel-c", status: "removed" }),
      relationship({ id: "rel-d", status: "pending", expiresAt: "2025-02-01T00:00:00.000Z" }),
    ];
    expect(request({ relationships: past }).relationship.status).toBe("pending");
  });

  it("does not count the request itself", () => {
    const self = relationship({ id: "rel-new", status: "submitted" });
    expect(request({ relationships: [self] }).relationship.status).toBe("pending");
  });

  it("leaves a relationship that is no longer submitted alone (redelivered message)", () => {
    const outcome = request({}, { status: "pending" });
    expect(outcome).toMatchObject({ changed: false, path: [], history: [] });
  });

  it("refuses to decide for a partner or customer the record does not name", () => {
    expect(() => request({ partner: partner({ id: "partner-z" }) })).toThrow(/partner-z/);
  });
});

describe("CLOUD-1 one cloud instance (relationships)", () => {
  it("allows partner and customer in the same cloud", () => {
    expect(
      request({ partner: partner({ cloud: "germany" }), customer: customer({ cloud: "germany" }) })
        .violations,
    ).toEqual([]);
  });
  it("refuses different clouds, naming both", () => {
    const outcome = request({ partner: partner({ cloud: "us-government" }) });
    expect(rulesIn(outcome.violations)).toEqual(["CLOUD-1"]);
    expect(outcome.violations[0]!.message).toContain("us-government");
    expect(outcome.violations[0]!.message).toContain("public");
  });
});

describe("MC-7 no resale to another CSP partner (relationships)", () => {
  it("refuses a customer that is itself a CSP partner", () => {
    const outcome = request({ customer: customer({ isCspPartner: true }) });
    expect(rulesIn(outcome.violations)).toEqual(["MC-7"]);
  });
  it("collects every violation at once", () => {
    const outcome = request(
      {
        customer: customer({ isCspPartner: true, cloud: "germany" }),
        relationships: [relationship(), relationship({ id: "rel-b", partnerId: "partner-b" })],
      },
      { requestedBy: { userId: "eve", role: "billing-agent" } },
    );
    expect(rulesIn(outcome.violations).sort()).toEqual(["CLOUD-1", "MC-7", "MP-2", "REL-1", "ROLE-1"]);
    expect(outcome.history[0]!.rules.sort()).toEqual(["CLOUD-1", "MC-7", "MP-2", "REL-1", "ROLE-1"]);
  });
});

describe("MP-1 a customer may work with several partners", () => {
  it("another partner's active relationship is no reason to refuse", () => {
    const outcome = request(
      { relationships: [relationship({ id: "rel-b", partnerId: "partner-b" })] },
      { delegatedAdmin: true },
    );
    expect(outcome.relationship.status).toBe("pending");
    expect(outcome.violations).toEqual([]);
  });
});

describe("MP-2 multi-partner goes through delegated admin (inference)", () => {
  const withPartnerB = [relationship({ id: "rel-b", partnerId: "partner-b" })];
  it("refuses a second partner's request without delegated admin, naming the first partner", () => {
    const outcome = request({ relationships: withPartnerB }, { delegatedAdmin: false });
    expect(rulesIn(outcome.violations)).toEqual(["MP-2"]);
    expect(outcome.violations[0]!.message).toContain("partner-b");
  });
  it("does not ask for delegated admin when no other partner is active", () => {
    const lapsed = [relationship({ id: "rel-b", partnerId: "partner-b", status: "declined" })];
    expect(request({ relationships: lapsed }, { delegatedAdmin: false }).violations).toEqual([]);
  });
});

describe("REL-2 only a pending invitation can be answered", () => {
  const pending = relationship({ status: "pending", expiresAt: "2025-05-01T00:00:00.000Z" });

  it("accepting makes it active and records who answered", () => {
    const outcome = answerRelationship({
      relationship: pending,
      answer: { decision: "accept", customerUserId: "carol" },
      now: NOW,
    });
    expectValidRelationshipOutcome(outcome);
    expect(outcome.relationship).toMatchObject({ status: "active", answeredBy: "carol", updatedAt: NOW });
    expect(outcome.history).toEqual([
      expect.objectContaining({ by: "carol", from: "pending", to: "active", rules: ["REL-2"] }),
    ]);
  });

  it("declining makes it declined, with the reason", () => {
    const outcome = answerRelationship({
      relationship: pending,
      answer: { decision: "decline", customerUserId: "carol", reason: "not now" },
      now: NOW,
    });
    expect(outcome.relationship).toMatchObject({ status: "declined", declineReason: "not now" });
    const bare = answerRelationship({
      relationship: pending,
      answer: { decision: "decline", customerUserId: "carol" },
      now: NOW,
    });
    expect(bare.relationship.declineReason).toBeUndefined();
  });

  it.each(["submitted", "active", "declined", "rejected", "removed"] as const)(
    "answering a %s relationship is a REL-2 violation and changes nothing",
    (status) => {
      const record = relationship({ status });
      for (const decision of ["accept", "decline"] as const) {
        const outcome = answerRelationship({
          relationship: record,
          answer: { decision, customerUserId: "c" },
          now: NOW,
        });
        expect(outcome.changed).toBe(false);
        expect(outcome.relationship).toBe(record);
        expect(rulesIn(outcome.violations)).toEqual(["REL-2"]);
        expect(outcome.violations[0]!.message).toContain(status);
      }
    },
  );
});

describe("REL-3 invitations expire (inference)", () => {
  it("an answer after expiresAt expires the invitation instead", () => {
    const late = relationship({ status: "pending", expiresAt: "2025-02-28T00:00:00.000Z" });
    const outcome = answerRelationship({
      relationship: late,
      answer: { decision: "accept", customerUserId: "c" },
      now: NOW,
    });
    expectValidRelationshipOutcome(outcome);
    expect(outcome.changed).toBe(true);
    expect(outcome.relationship.status).toBe("expired");
    expect(rulesIn(outcome.relationship.violations)).toEqual(["REL-3"]);
  });
  it("an answer exactly at expiresAt is too late; just before is in time", () => {
    const record = relationship({ status: "pending", expiresAt: NOW });
    const answer = { decision: "accept", customerUserId: "c" } as const;
    expect(answerRelationship({ relationship: record, answer, now: NOW }).relationship.status).toBe(
      "expired",
    );
    expect(
      answerRelationship({ relationship: record, answer, now: "2025-02-28T23:59:59.999Z" }).relationship
        .status,
    ).toBe("active");
  });
  it("answering an already expired invitation is a REL-3 violation and changes nothing", () => {
    const outcome = answerRelationship({
      relationship: relationship({ status: "expired" }),
      answer: { decision: "decline", customerUserId: "c" },
      now: NOW,
    });
    expect(outcome.changed).toBe(false);
    expect(rulesIn(outcome.violations)).toEqual(["REL-3"]);
  });
});

describe("MP-3 accepting a second partner changes no subscription", () => {
  const subscriptions: Subscription[] = [
    subscription(),
    subscription({ id: "sub-a", channel: "csp", partnerOfRecord: "partner-a" }),
    azure({ channel: "csp", partnerOfRecord: "partner-a" }),
    azure({ id: "azure-2", status: "suspended" }),
  ];
  const partnerA = relationship({ id: "rel-a", partnerId: "partner-a" });
  const invitationB = relationship({
    id: "rel-b",
    partnerId: "partner-b",
    status: "pending",
    expiresAt: "2025-05-01T00:00:00.000Z",
  });
  // Partner A's own migration is mid-flight; partner B's answer must not touch it either.
  const migrationA = migration({ id: "mig-a", status: "awaiting-term-end", relationshipId: "rel-a" });

  /** Partner B answers its invitation in this customer's world; a case replaces only what it varies. */
  function answerB(
    decision: "accept" | "decline",
    overrides: Partial<RelationshipAnswerProcessingInput> = {},
  ) {
    return processRelationshipAnswer({
      relationship: invitationB,
      answer: { decision, customerUserId: "carol" },
      now: NOW,
      partner: partner({ id: "partner-b" }),
      customer: customer(),
      subscriptions,
      relationships: [partnerA, invitationB],
      migrations: [migrationA],
      offers: CATALOGUE,
      ...overrides,
    });
  }

  it("leaves every existing subscription byte-for-byte unchanged", () => {
    const before = JSON.stringify(subscriptions);
    const result = answerB("accept");
    expect(result.relationship.relationship.status).toBe("active");
    expect(result.subscriptionChanges).toEqual([]);
    expect(result.migrations).toEqual([]);
    expect(JSON.stringify(applySubscriptionChanges(subscriptions, result.subscriptionChanges))).toBe(before);
  });

  it("resumes only the migrations waiting on that relationship, and changes only their subscriptions", () => {
    const waiting = migration({
      id: "mig-b",
      partnerId: "partner-b",
      status: "awaiting-relationship",
      relationshipId: "rel-b",
      request: [item({ subscriptionId: "azure-2b", cancelOriginal: "keep" })],
    });
    const withAzure = [...subscriptions, azure({ id: "azure-2b" })];
    const result = answerB("accept", { subscriptions: withAzure, migrations: [migrationA, waiting] });
    expect(result.migrations.map((outcome) => [outcome.migration.id, outcome.migration.status])).toEqual([
      ["mig-b", "completed"],
    ]);
    // MC-5 keep: the new Azure subscription is created; every existing one stays as it was.
    expect(result.subscriptionChanges.map((change) => change.change)).toEqual(["created"]);
    const after = applySubscriptionChanges(withAzure, result.subscriptionChanges);
    expect(JSON.stringify(after.slice(0, withAzure.length))).toBe(JSON.stringify(withAzure));
  });

  it("a declination rejects the waiting migrations with REL-2", () => {
    const waiting = migration({
      id: "mig-b",
      partnerId: "partner-b",
      status: "awaiting-relationship",
      relationshipId: "rel-b",
    });
    const result = answerB("decline", { migrations: [waiting] });
    expect(result.migrations[0]!.migration.status).toBe("rejected");
    expect(rulesIn(result.migrations[0]!.migration.violations)).toEqual(["REL-2"]);
  });

  it("an answer that changes nothing resumes nothing", () => {
    // Partner A answers its own, already active relationship.
    const result = answerB("accept", {
      relationship: partnerA,
      partner: partner(),
      relationships: [partnerA],
      migrations: [migration({ status: "awaiting-relationship", relationshipId: "rel-a" })],
    });
    expect(result).toMatchObject({ migrations: [], subscriptionChanges: [] });
    expect(rulesIn(result.relationship.violations)).toEqual(["REL-2"]);
  });
});
