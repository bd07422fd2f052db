import { describe, expect, it } from "vitest";

import {
  decideRelationshipRequest,
  type Invitation,
  type Migration,
  recordInvitation,
  refuseInvitation,
  type Relationship,
} from "../../../shared/domain/index.js";
import {
  customer,
  expectValidMigrationOutcome,
  expectValidRelationshipOutcome,
  migration,
  NOW,
  partner,
  relationship,
  rulesIn,
} from "./fixtures.js";

const AT = new Date(NOW).toISOString();
const pending = (overrides: Partial<Relationship> = {}) =>
  relationship({ status: "pending", expiresAt: "2025-06-01T00:00:00.000Z", ...overrides });
const REFUSAL = { status: 400, message: '{"code":600012,"description":"The customer tenant is not valid"}' };
const INVITATION: Invitation = {
  resellerRelationshipUrl: "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship",
  at: AT,
};
const waiting = (overrides: Partial<Migration> = {}) =>
  migration({ status: "awaiting-relationship", relationshipId: "rel-a", ...overrides });

describe("REL-4 Partner Center refusing to make the invitation rejects the relationship at once", () => {
  it.each<{
    name: string;
    relationship: Relationship;
    migrations: Migration[];
    status: Relationship["status"];
    rejectedMigrations: string[];
  }>([
    {
      name: "a pending relationship awaiting its invitation: rejected, nothing waiting",
      relationship: pending(),
      migrations: [],
      status: "rejected",
      rejectedMigrations: [],
    },
    {
      name: "the migrations waiting on it are rejected with it, oldest first; others are left alone",
      relationship: pending(),
      migrations: [
        waiting({ id: "mig-2", createdAt: "2025-02-22T00:00:00.000Z" }),
        waiting({ id: "mig-1", createdAt: "2025-02-21T00:00:00.000Z" }),
        waiting({ id: "mig-other", relationshipId: "rel-b" }),
        migration({ id: "mig-done", status: "awaiting-term-end", relationshipId: "rel-a" }),
      ],
      status: "rejected",
      rejectedMigrations: ["mig-1", "mig-2"],
    },
    {
      name: "an invitation already recorded (a racing delivery): unchanged",
      relationship: pending({ invitation: INVITATION }),
      migrations: [waiting()],
      status: "pending",
      rejectedMigrations: [],
    },
    {
      name: "answered meanwhile: unchanged",
      relationship: pending({ status: "active" }),
      migrations: [],
      status: "active",
      rejectedMigrations: [],
    },
    {
      name: "expired meanwhile (REL-3 came first): unchanged",
      relationship: pending({ status: "expired" }),
      migrations: [],
      status: "expired",
      rejectedMigrations: [],
    },
  ])("$name", ({ relationship: stored, migrations, status, rejectedMigrations }) => {
    const outcome = refuseInvitation({ relationship: stored, refusal: REFUSAL, migrations, now: NOW });
    expectValidRelationshipOutcome(outcome.relationship);
    expect(outcome.relationship.relationship.status).toBe(status);
    expect(outcome.migrations.map((found) => found.migration.id)).toEqual(rejectedMigrations);
    for (const rejected of outcome.migrations) {
      expectValidMigrationOutcome(rejected);
      expect(rejected.migration.status).toBe("rejected");
      expect(rulesIn(rejected.migration.violations)).toEqual(["REL-4"]);
    }
    if (status !== "rejected") {
      expect(outcome.relationship.changed).toBe(false);
      return;
    }
    const { relationship: rejected, history, violations } = outcome.relationship;
    expect(rulesIn(violations)).toEqual(["REL-4"]);
    // Partner Center's status, code and description, and what the partner does next.
    expect(violations[0]?.message).toContain("400");
    expect(violations[0]?.message).toContain("600012");
    expect(violations[0]?.message).toMatch(/request the relationship again$/);
    expect(rejected.invitationError).toEqual({ ...REFUSAL, at: AT });
    expect(history).toMatchObject([{ from: "pending", to: "rejected", rules: ["REL-4"] }]);
  });

  it("the partner may then ask again: REL-1 does not count the rejected relationship", () => {
    const rejected = refuseInvitation({
      relationship: pending(),
      refusal: REFUSAL,
      migrations: [],
      now: NOW,
    }).relationship.relationship;
    const again = decideRelationshipRequest({
      relationship: relationship({ id: "rel-again", status: "submitted" }),
      partner: partner(),
      customer: customer(),
      relationships: [rejected],
      now: NOW,
      invitationTtlDays: 90,
    });
    expect(again.relationship.status).toBe("pending");
  });
});

describe("REL-1 the invitation made in Partner Center is recorded as a step that stays pending", () => {
  it.each<{ name: string; relationship: Relationship; invitation: Invitation; rules: string[] | null }>([
    { name: "the reseller link alone", relationship: pending(), invitation: INVITATION, rules: ["REL-1"] },
    {
      name: "with a GDAP relationship to approve (MP-2)",
      relationship: pending(),
      invitation: {
        ...INVITATION,
        delegatedAdmin: {
          id: "gdap-1",
          displayName: "csp-rel-a",
          approvalUrl:
            "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/gdap-1",
          roleTemplate: "license-management",
          roleDefinitionIds: ["fe930be7-5e62-47db-91af-98c3a49a38b1"],
          duration: "P730D",
          autoExtendDuration: "P180D",
        },
      },
      rules: ["REL-1", "MP-2"],
    },
    {
      name: "already recorded: unchanged",
      relationship: pending({ invitation: INVITATION }),
      invitation: INVITATION,
      rules: null,
    },
    {
      name: "refused before: unchanged",
      relationship: pending({ invitationError: { ...REFUSAL, at: AT } }),
      invitation: INVITATION,
      rules: null,
    },
  ])("$name", ({ relationship: stored, invitation, rules }) => {
    const outcome = recordInvitation(stored, invitation, NOW);
    expectValidRelationshipOutcome(outcome);
    if (rules === null) {
      expect(outcome.changed).toBe(false);
      return;
    }
    expect(outcome.relationship).toMatchObject({ status: "pending", invitation });
    expect(outcome.history).toMatchObject([{ from: "pending", to: "pending", rules }]);
    expect(outcome.history[0]?.note).toContain(invitation.resellerRelationshipUrl);
  });
});
