import { describe, expect, it } from "vitest";

import {
  acceptanceFromPartnerCenter,
  delegatedAdminFromGraph,
  delegatedAdminStatusOf,
  type Relationship,
} from "../../../shared/domain/index.js";
import { expectValidRelationshipOutcome, NOW, relationship } from "./fixtures.js";

const pending = (overrides: Partial<Relationship> = {}) =>
  relationship({ id: "rel-open", status: "pending", ...overrides });

describe("TEN-3, PC-2, PC-3 — a reseller acceptance Partner Center confirms", () => {
  it.each([
    {
      case: "confirmed, with an open invitation: that invitation is accepted (TEN-3)",
      confirmed: true,
      relationships: [pending()],
      expected: { accept: "rel-open" },
    },
    {
      case: "confirmed, two open invitations: the oldest is answered",
      confirmed: true,
      relationships: [
        pending({ id: "rel-new", createdAt: "2025-02-25T00:00:00.000Z" }),
        pending({ id: "rel-old", createdAt: "2025-02-10T00:00:00.000Z" }),
      ],
      expected: { accept: "rel-old" },
    },
    {
      case: "not confirmed by the read: nothing (PC-2)",
      confirmed: false,
      relationships: [pending()],
      expected: { violation: "PC-2" },
    },
    {
      case: "confirmed, but only another partner invited the customer: nothing (PC-2)",
      confirmed: true,
      relationships: [pending({ partnerId: "partner-b" })],
      expected: { violation: "PC-2" },
    },
    {
      case: "confirmed, the invitation expired: nothing (PC-2)",
      confirmed: true,
      relationships: [pending({ expiresAt: "2025-02-28T00:00:00.000Z" })],
      expected: { violation: "PC-2" },
    },
    {
      case: "confirmed again, already active: nothing changes (PC-3)",
      confirmed: true,
      relationships: [relationship({ id: "rel-active", status: "active" })],
      expected: { already: "rel-active" },
    },
  ])("$case", ({ confirmed, relationships, expected }) => {
    const decision = acceptanceFromPartnerCenter({
      partnerId: "partner-a",
      customerId: "contoso",
      relationships,
      confirmed,
      now: NOW,
    });
    const found =
      "accept" in decision
        ? { accept: decision.accept.id }
        : "already" in decision
          ? { already: decision.already.id }
          : { violation: decision.violation.rule };
    expect(found).toEqual(expected);
  });
});

describe("MP-2, PC-2, PC-3 — a delegated admin relationship Graph confirms", () => {
  const graph = (status: string, customerTenantId = "contoso") => ({
    id: "gdap-1",
    status,
    customerTenantId,
  });

  it.each([
    ["active", "granted"],
    ["expired", "expired"],
    ["terminated", "terminated"],
    ["approvalPending", undefined],
    ["activating", undefined],
  ] as const)("Graph's %s is recorded as %s", (status, kept) => {
    expect(delegatedAdminStatusOf(status)).toBe(kept);
  });

  it.each([
    {
      case: "approved: the relationship that asked for it is granted (MP-2)",
      relationships: [relationship()],
      graph: graph("active"),
      expected: { changed: true, status: "granted" },
    },
    {
      case: "terminated after being granted: moved on (MP-2)",
      relationships: [
        relationship({ delegatedAdminRelationship: { id: "gdap-1", status: "granted", at: NOW } }),
      ],
      graph: graph("terminated"),
      expected: { changed: true, status: "terminated" },
    },
    {
      case: "expired: moved on (MP-2)",
      relationships: [relationship()],
      graph: graph("expired"),
      expected: { changed: true, status: "expired" },
    },
    {
      case: "the same status again: nothing changes (PC-3)",
      relationships: [
        relationship({ delegatedAdminRelationship: { id: "gdap-1", status: "granted", at: NOW } }),
      ],
      graph: graph("active"),
      expected: { changed: false, status: "granted" },
    },
    {
      case: "Graph does not show it: nothing (PC-2)",
      relationships: [relationship()],
      graph: undefined,
      expected: { violation: "PC-2" },
    },
    {
      case: "Graph shows it with another customer: nothing (PC-2)",
      relationships: [relationship()],
      graph: graph("active", "someone-else"),
      expected: { violation: "PC-2" },
    },
    {
      case: "Graph shows it still pending approval: nothing yet (PC-2)",
      relationships: [relationship()],
      graph: graph("approvalPending"),
      expected: { violation: "PC-2" },
    },
    {
      case: "no relationship of the partner asked for delegated admin: nothing (MP-2)",
      relationships: [relationship({ delegatedAdmin: false })],
      graph: graph("active"),
      expected: { violation: "MP-2" },
    },
    {
      case: "only another partner's relationship asked for it: nothing (MP-2)",
      relationships: [relationship({ partnerId: "partner-b" })],
      graph: graph("active"),
      expected: { violation: "MP-2" },
    },
  ])("$case", ({ relationships, graph: shown, expected }) => {
    const outcome = delegatedAdminFromGraph({
      partnerId: "partner-a",
      customerId: "contoso",
      relationships,
      graph: shown,
      now: NOW,
    });
    if ("violation" in outcome) {
      expect({ violation: outcome.violation.rule }).toEqual(expected);
      return;
    }
    expectValidRelationshipOutcome(outcome);
    expect({
      changed: outcome.changed,
      status: outcome.relationship.delegatedAdminRelationship?.status,
    }).toEqual(expected);
    expect(outcome.relationship.status).toBe(relationships[0]?.status);
    if (outcome.changed) expect(outcome.history.map((entry) => entry.rules)).toEqual([["MP-2"]]);
  });
});
