import { describe, expect, it } from "vitest";

import { decideMigration, failMigration, newSubscriptionId } from "../../../shared/domain/index.js";
import {
  azure,
  CATALOGUE,
  customer,
  decide,
  item,
  migration,
  NOW,
  offer,
  onlyItem,
  partner,
  PAST_TERM_END,
  relationship,
  rulesIn,
  subscription,
  TERM_END,
  world,
} from "./fixtures.js";

const pending = relationship({ status: "pending", expiresAt: "2025-05-01T00:00:00.000Z" });
/** A license subscription held by another CSP partner, mid-term. */
const otherCsp = subscription({ id: "sub-csp", channel: "csp", partnerOfRecord: "partner-b" });

describe("the happy path: a direct Office 365 subscription moves into CSP", () => {
  it("provisions the same offer now and schedules the original to expire at term end", () => {
    const outcome = decide([item()]);
    expect(outcome.path).toEqual(["provisioning", "awaiting-term-end"]);
    expect(outcome.migration).toMatchObject({
      status: "awaiting-term-end",
      relationshipId: "rel-a",
      violations: [],
      updatedAt: NOW,
    });
    expect(onlyItem(outcome)).toEqual({
      subscriptionId: "sub-1",
      kind: "license",
      channel: "direct",
      path: "license-move",
      targetOfferId: "o365-e3",
      targetSeats: 10,
      licenseReassignmentRequired: false,
      creditEligibility: "not-eligible",
      cancelOriginal: "at-term-end",
      cancelAt: TERM_END,
      refundNote: null,
      status: "provisioned",
      violations: [],
      provisionAt: NOW,
      seatReduction: false,
      newSubscriptionId: newSubscriptionId("mig-1", "sub-1"),
      execution: "recorded",
    });
    expect(outcome.subscriptionChanges).toEqual([
      {
        change: "created",
        migrationId: "mig-1",
        originalSubscriptionId: "sub-1",
        rules: ["MIG-1"],
        subscription: {
          id: newSubscriptionId("mig-1", "sub-1"),
          customerId: "contoso",
          offerId: "o365-e3",
          kind: "license",
          channel: "csp",
          partnerOfRecord: "partner-a",
          seats: 10,
          termStart: NOW,
          termEnd: "2026-03-01T00:00:00.000Z",
          billingCycle: "annual",
          status: "active",
          purchasedVia: "partner-center",
        },
      },
    ]);
    expect(outcome.history.map((entry) => [entry.from, entry.to])).toEqual([
      ["submitted", "provisioning"],
      ["provisioning", "awaiting-term-end"],
    ]);
  });

  it("names the new subscription deterministically from migration and original", () => {
    expect(newSubscriptionId("mig-1", "sub-1")).toBe(newSubscriptionId("mig-1", "sub-1"));
    expect(newSubscriptionId("mig-1", "sub-1")).not.toBe(newSubscriptionId("mig-2", "sub-1"));
    expect(newSubscriptionId("mig-1", "sub-1")).not.toBe(newSubscriptionId("mig-1", "sub-2"));
    expect(newSubscriptionId("mig-1", "sub-1")).toMatch(/^csp-[0-9a-f]{40}$/);
  });

  it("leaves a migration that is past deciding alone (redelivered message)", () => {
    for (const status of ["provisioning", "awaiting-term-end", "completed", "rejected", "failed"] as const) {
      const input = world({ migration: migration({ status }) });
      expect(decideMigration(input)).toMatchObject({ changed: false, path: [], subscriptionChanges: [] });
    }
  });

  it("refuses to decide for a customer the migration does not name", () => {
    expect(() => decide([item()], { customer: customer({ id: "fabrikam" }) })).toThrow(/fabrikam/);
  });
});

describe("ROLE-2 checked again when deciding", () => {
  it("rejects a migration requested by a role that may not migrate", () => {
    const outcome = decide([item()], {
      migration: migration({ requestedBy: { userId: "eve", role: "user-admin" } }),
    });
    expect(outcome.migration.status).toBe("rejected");
    expect(rulesIn(outcome.migration.violations)).toEqual(["ROLE-2"]);
  });
});

describe("CLOUD-1 one cloud instance (migrations)", () => {
  it("rejects the whole migration, every item with it", () => {
    const outcome = decide([item(), item({ subscriptionId: "azure-1", cancelOriginal: "keep" })], {
      customer: customer({ cloud: "germany" }),
    });
    expect(outcome.migration.status).toBe("rejected");
    expect(outcome.path).toEqual(["rejected"]);
    expect(rulesIn(outcome.migration.violations)).toEqual(["CLOUD-1"]);
    expect(outcome.migration.items.map((line) => line.status)).toEqual(["rejected", "rejected"]);
    expect(outcome.subscriptionChanges).toEqual([]);
  });
});

describe("MC-7 no resale to another CSP partner (migrations)", () => {
  it("rejects a migration whose customer is a CSP partner", () => {
    const outcome = decide([item()], { customer: customer({ isCspPartner: true }) });
    expect(rulesIn(outcome.migration.violations)).toEqual(["MC-7"]);
  });
});

describe("MIG-7 partner and customer in the same region", () => {
  it("allows the same region", () => {
    expect(
      decide([item()], { partner: partner({ region: "EU" }), customer: customer({ region: "EU" }) }).migration
        .status,
    ).toBe("awaiting-term-end");
  });
  it("rejects different regions with a message naming both", () => {
    const outcome = decide([item()], { partner: partner({ region: "EU" }) });
    expect(outcome.migration.violations).toEqual([
      { rule: "MIG-7", message: "Partner region EU differs from customer tenant region US" },
    ]);
  });
  it("collects every migration-level and item-level violation at once", () => {
    const outcome = decide([item({ subscriptionId: "nope" }), item({ targetSeats: 2 })], {
      partner: partner({ region: "EU", cloud: "us-government" }),
      customer: customer({ isCspPartner: true }),
      relationships: [],
    });
    expect(rulesIn(outcome.migration.violations)).toEqual(["CLOUD-1", "MC-7", "MIG-7", "REL-1"]);
    expect(outcome.migration.items.map((line) => rulesIn(line.violations))).toEqual([["MC-1"], ["MIG-8"]]);
    expect(outcome.history[0]!.rules).toEqual(["CLOUD-1", "MC-7", "MIG-7", "REL-1", "MC-1", "MIG-8"]);
  });
});

describe("REL-1 a migration needs a relationship", () => {
  it.each([
    ["none", []],
    ["only a declined one", [relationship({ status: "declined" })]],
    ["only another partner's", [relationship({ partnerId: "partner-b" })]],
    ["only a lapsed invitation", [relationship({ status: "pending", expiresAt: PAST_TERM_END })]],
  ])("rejects when there is %s", (_label, relationships) => {
    const outcome = decide([item()], { relationships });
    expect(outcome.migration.status).toBe("rejected");
    expect(rulesIn(outcome.migration.violations)).toEqual(["REL-1"]);
    expect(outcome.migration.violations[0]!.message).toContain("partner-a");
  });
});

describe("REL-2 only an active relationship lets the partner provision", () => {
  it("proceeds under the active relationship and records it", () => {
    const outcome = decide([item()], {
      relationships: [relationship({ id: "rel-z", status: "declined" }), relationship()],
    });
    expect(outcome.migration.relationshipId).toBe("rel-a");
  });
  it("resumes an awaiting migration once its invitation is accepted", () => {
    const waiting = decide([item()], { relationships: [pending] }).migration;
    const resumed = decideMigration(
      world({ migration: waiting, relationships: [relationship({ status: "active" })] }),
    );
    expect(resumed.path).toEqual(["provisioning", "awaiting-term-end"]);
    expect(onlyItem(resumed).status).toBe("provisioned");
  });
  it("stays put while the invitation is still open", () => {
    const waiting = decide([item()], { relationships: [pending] }).migration;
    expect(decideMigration(world({ migration: waiting, relationships: [pending] })).changed).toBe(false);
  });
  it.each(["declined", "removed"] as const)(
    "rejects an awaiting migration whose relationship was %s",
    (status) => {
      const waiting = decide([item()], { relationships: [pending] }).migration;
      const outcome = decideMigration(
        world({ migration: waiting, relationships: [relationship({ status })] }),
      );
      expect(outcome.path).toEqual(["rejected"]);
      expect(rulesIn(outcome.migration.violations)).toEqual(["REL-2"]);
      expect(outcome.migration.relationshipId).toBe("rel-a");
      expect(onlyItem(outcome).status).toBe("rejected");
    },
  );
});

describe("REL-3 a migration waiting on an invitation that expired", () => {
  it.each([
    ["expired", relationship({ status: "expired", expiresAt: PAST_TERM_END })],
    ["pending past its expiry", relationship({ status: "pending", expiresAt: PAST_TERM_END })],
  ])("is rejected when it is %s", (_label, lapsed) => {
    const waiting = decide([item()], { relationships: [pending] }).migration;
    const outcome = decideMigration(world({ migration: waiting, relationships: [lapsed] }));
    expect(rulesIn(outcome.migration.violations)).toEqual(["REL-3"]);
    expect(outcome.migration.violations[0]!.message).toContain(PAST_TERM_END);
  });
  it("is rejected with REL-1 when its relationship is gone altogether", () => {
    const waiting = decide([item()], { relationships: [pending] }).migration;
    expect(
      rulesIn(decideMigration(world({ migration: waiting, relationships: [] })).migration.violations),
    ).toEqual(["REL-1"]);
  });
});

describe("MC-4 license items wait for the customer's permission", () => {
  it("with only a pending invitation: awaiting-relationship, items planned, nothing provisioned", () => {
    const outcome = decide([item(), item({ subscriptionId: "azure-1", cancelOriginal: "keep" })], {
      relationships: [pending],
    });
    expect(outcome.path).toEqual(["awaiting-relationship"]);
    expect(outcome.migration.relationshipId).toBe("rel-a");
    expect(outcome.migration.items.map((line) => line.status)).toEqual(["planned", "planned"]);
    expect(outcome.migration.items.map((line) => line.cancelAt)).toEqual([TERM_END, null]);
    expect(outcome.subscriptionChanges).toEqual([]);
    expect(outcome.history[0]!.rules).toEqual(["REL-2", "MC-4"]);
  });
  it("a rejection found while waiting stays final when it resumes", () => {
    const waiting = decide([item(), item({ subscriptionId: "gone" })], {
      relationships: [pending],
    }).migration;
    expect(waiting.items.map((line) => line.status)).toEqual(["planned", "rejected"]);
    const resumed = decideMigration(
      world({
        migration: waiting,
        relationships: [relationship()],
        subscriptions: [subscription(), azure({ id: "gone" })],
      }),
    );
    expect(resumed.migration.items.map((line) => line.status)).toEqual(["provisioned", "rejected"]);
  });
  it("a migration whose every item is rejected is rejected, not left waiting", () => {
    const outcome = decide([item({ subscriptionId: "gone" })], { relationships: [pending] });
    expect(outcome.path).toEqual(["rejected"]);
    expect(outcome.migration.violations).toEqual([]);
    expect(outcome.history[0]!.rules).toEqual(["MC-1"]);
  });
});

describe("MC-1 direct, Advisor, Open and EA purchases are in scope", () => {
  it.each(["direct", "advisor", "open", "ea"] as const)("moves a %s license subscription", (channel) => {
    const outcome = decide([item()], { subscriptions: [subscription({ channel })] });
    expect(onlyItem(outcome)).toMatchObject({ status: "provisioned", channel, path: "license-move" });
  });
  it("refuses an id that is not one of the customer's subscriptions", () => {
    for (const subscriptions of [[], [subscription({ customerId: "fabrikam" })]]) {
      const line = onlyItem(decide([item()], { subscriptions }));
      expect(line).toMatchObject({ status: "rejected", kind: null, channel: null, path: null });
      expect(line.violations).toEqual([
        { rule: "MC-1", message: "Subscription sub-1 is not one of customer contoso's subscriptions" },
      ]);
    }
  });
});

describe("MC-2 third-party purchases are in scope, Syndication ones are not (inference)", () => {
  it("moves a third-party license subscription", () => {
    expect(
      onlyItem(decide([item()], { subscriptions: [subscription({ channel: "third-party" })] })).status,
    ).toBe("provisioned");
  });
  it("refuses a subscription bought through a Syndication partner", () => {
    for (const subscriptions of [
      [subscription({ channel: "syndication" })],
      [azure({ id: "sub-1", channel: "syndication" })],
    ]) {
      const line = onlyItem(decide([item({ cancelOriginal: "keep" })], { subscriptions }));
      expect(line.status).toBe("rejected");
      expect(rulesIn(line.violations)).toContain("MC-2");
    }
  });
});

describe("MC-3 a license subscription of another CSP partner waits for its term end", () => {
  it("refuses it mid-term, naming the partner and the term end", () => {
    for (const cancelOriginal of ["at-term-end", "immediately"] as const) {
      const line = onlyItem(
        decide([item({ subscriptionId: "sub-csp", cancelOriginal })], { subscriptions: [otherCsp] }),
      );
      expect(line.status).toBe("rejected");
      expect(rulesIn(line.violations)).toContain("MC-3");
      expect(line.violations.find((found) => found.rule === "MC-3")!.message).toContain("partner-b");
      expect(line.violations.find((found) => found.rule === "MC-3")!.message).toContain(TERM_END);
    }
  });
  it('schedules it for term end when the item asks startAt "term-end"', () => {
    const outcome = decide([item({ subscriptionId: "sub-csp", startAt: "term-end" })], {
      subscriptions: [otherCsp],
    });
    expect(outcome.path).toEqual(["provisioning", "awaiting-term-end"]);
    expect(onlyItem(outcome)).toMatchObject({
      status: "planned",
      provisionAt: TERM_END,
      cancelAt: TERM_END,
      violations: [],
    });
    expect(outcome.subscriptionChanges).toEqual([]);
    expect(outcome.history[1]!.rules).toEqual(["MIG-2", "MC-3"]);
  });
  it("moves it at once when its term has already ended", () => {
    const ended = { ...otherCsp, termEnd: PAST_TERM_END };
    const outcome = decide([item({ subscriptionId: "sub-csp" })], { subscriptions: [ended] });
    expect(outcome.path).toEqual(["provisioning", "completed"]);
    expect(onlyItem(outcome).status).toBe("original-expired");
    expect(outcome.subscriptionChanges.map((change) => [change.change, change.subscription.status])).toEqual([
      ["created", "active"],
      ["expired", "expired"],
    ]);
  });
  it("does not apply to usage subscriptions (MC-6) nor to other channels", () => {
    const usage = azure({ id: "sub-csp", channel: "csp", partnerOfRecord: "partner-b" });
    expect(onlyItem(decide([item({ subscriptionId: "sub-csp" })], { subscriptions: [usage] })).status).toBe(
      "provisioned",
    );
  });
  it("an immediate cancellation cannot be combined with waiting for term end (MIG-1)", () => {
    const line = onlyItem(
      decide([item({ subscriptionId: "sub-csp", startAt: "term-end", cancelOriginal: "immediately" })], {
        subscriptions: [otherCsp],
      }),
    );
    expect(rulesIn(line.violations)).toEqual(["MIG-1"]);
  });
});

describe("MC-5 usage subscriptions from other channels get a new Azure subscription in CSP", () => {
  it("creates the new subscription and may keep the original beside it", () => {
    const outcome = decide([item({ subscriptionId: "azure-1", cancelOriginal: "keep" })]);
    expect(outcome.path).toEqual(["provisioning", "completed"]);
    expect(onlyItem(outcome)).toMatchObject({
      path: "azure-new-subscription",
      status: "provisioned",
      cancelAt: null,
      targetSeats: null,
      targetOfferId: "azure-plan",
    });
    expect(outcome.subscriptionChanges).toHaveLength(1);
    expect(outcome.subscriptionChanges[0]).toMatchObject({ change: "created", rules: ["MC-5"] });
    expect(outcome.subscriptionChanges[0]!.subscription).not.toHaveProperty("seats");
    expect(outcome.subscriptionChanges[0]!.subscription).toMatchObject({
      kind: "usage",
      billingCycle: "monthly",
    });
  });
  it("may also cancel the original at its term end", () => {
    expect(onlyItem(decide([item({ subscriptionId: "azure-1" })])).cancelAt).toBe(TERM_END);
  });
  it("refuses seats on a usage subscription", () => {
    const line = onlyItem(
      decide([item({ subscriptionId: "azure-1", cancelOriginal: "keep", targetSeats: 5 })]),
    );
    expect(rulesIn(line.violations)).toEqual(["MC-5"]);
  });
});

describe("MC-6 usage subscriptions from another CSP partner are switched", () => {
  const held = azure({ channel: "csp", partnerOfRecord: "partner-b" });
  it("transfers the original: partner of record changes, nothing is created or cancelled", () => {
    const outcome = decide([item({ subscriptionId: "azure-1", cancelOriginal: "keep" })], {
      subscriptions: [held],
    });
    expect(outcome.path).toEqual(["provisioning", "completed"]);
    expect(onlyItem(outcome)).toMatchObject({
      path: "azure-switch-partner",
      status: "provisioned",
      cancelAt: null,
      newSubscriptionId: "azure-1",
    });
    expect(outcome.subscriptionChanges).toEqual([
      expect.objectContaining({
        change: "transferred",
        rules: ["MC-6"],
        subscription: { ...held, partnerOfRecord: "partner-a" },
      }),
    ]);
  });
  it("at-term-end also switches now, with nothing to cancel", () => {
    expect(
      onlyItem(decide([item({ subscriptionId: "azure-1" })], { subscriptions: [held] })).cancelAt,
    ).toBeNull();
  });
  it("refuses an immediate cancellation, another offer, or seats", () => {
    const offers = [...CATALOGUE, offer({ id: "azure-plan-2", kind: "usage" })];
    for (const request of [
      item({ subscriptionId: "azure-1", cancelOriginal: "immediately" }),
      item({ subscriptionId: "azure-1", targetOfferId: "azure-plan-2" }),
      item({ subscriptionId: "azure-1", targetSeats: 3 }),
    ]) {
      expect(rulesIn(onlyItem(decide([request], { subscriptions: [held], offers })).violations)).toEqual([
        "MC-6",
      ]);
    }
  });
});

describe("MIG-1 the steps of a move, in order", () => {
  it("refuses to keep a license original beside its replacement (inference)", () => {
    expect(rulesIn(onlyItem(decide([item({ cancelOriginal: "keep" })])).violations)).toEqual(["MIG-1"]);
  });
  it.each(["expired", "cancelled", "suspended"] as const)("refuses a %s original (inference)", (status) => {
    const line = onlyItem(decide([item()], { subscriptions: [subscription({ status })] }));
    expect(line.violations).toEqual([
      { rule: "MIG-1", message: `Subscription sub-1 is ${status}; only an active subscription can be moved` },
    ]);
  });
  it("refuses a subscription the partner already holds (inference)", () => {
    const own = subscription({ channel: "csp", partnerOfRecord: "partner-a" });
    expect(rulesIn(onlyItem(decide([item()], { subscriptions: [own] })).violations)).toEqual(["MIG-1"]);
  });
  it("refuses a subscription listed twice", () => {
    const outcome = decide([item(), item()]);
    expect(outcome.migration.items.map((line) => rulesIn(line.violations))).toEqual([[], ["MIG-1"]]);
  });
  it("refuses a subscription another open migration holds, naming it (inference)", () => {
    const other = decide([item()], {
      migration: migration({ id: "mig-0", partnerId: "partner-b" }),
      partner: partner({ id: "partner-b" }),
      relationships: [relationship({ partnerId: "partner-b" })],
    }).migration;
    expect(other.status).toBe("awaiting-term-end");
    const line = onlyItem(decide([item()], { otherMigrations: [other] }));
    expect(rulesIn(line.violations)).toEqual(["MIG-1"]);
    expect(line.violations[0]!.message).toContain("mig-0");
  });
  it("is not blocked by a migration that is closed, undecided, or rejected that item", () => {
    const holding = { ...migration({ id: "mig-0" }), items: [onlyItem(decide([item()]))] };
    for (const other of [
      { ...holding, status: "completed" as const },
      { ...holding, status: "rejected" as const },
      migration({ id: "mig-0" }),
      {
        ...holding,
        status: "awaiting-term-end" as const,
        items: [{ ...holding.items[0]!, status: "rejected" as const }],
      },
      { ...holding, id: "mig-1", status: "awaiting-term-end" as const },
    ]) {
      expect(onlyItem(decide([item()], { otherMigrations: [other] })).status).toBe("provisioned");
    }
  });
});

describe("MIG-2 cancellation: at term end by default, immediately without refund", () => {
  it("at-term-end schedules the cancellation for the original's term end", () => {
    expect(onlyItem(decide([item()]))).toMatchObject({
      cancelAt: TERM_END,
      refundNote: null,
      status: "provisioned",
    });
  });
  it("immediately cancels the original now, records no refund, and completes", () => {
    const outcome = decide([item({ cancelOriginal: "immediately" })]);
    expect(outcome.path).toEqual(["provisioning", "completed"]);
    const line = onlyItem(outcome);
    expect(line).toMatchObject({ status: "original-cancelled", cancelAt: NOW });
    expect(line.refundNote).toContain("no refund");
    expect(line.refundNote).toContain(TERM_END);
    expect(
      outcome.subscriptionChanges.map((change) => [
        change.change,
        change.subscription.id,
        change.subscription.status,
      ]),
    ).toEqual([
      ["created", newSubscriptionId("mig-1", "sub-1"), "active"],
      ["cancelled", "sub-1", "cancelled"],
    ]);
  });
  it("an immediate cancellation after the term end has nothing to refund", () => {
    const line = onlyItem(
      decide([item({ cancelOriginal: "immediately" })], {
        subscriptions: [subscription({ termEnd: PAST_TERM_END })],
      }),
    );
    expect(line).toMatchObject({ status: "original-cancelled", refundNote: null });
  });
  it("an immediate cancellation waits for the relationship like everything else", () => {
    const line = onlyItem(decide([item({ cancelOriginal: "immediately" })], { relationships: [pending] }));
    expect(line).toMatchObject({ status: "planned", cancelAt: null, refundNote: null });
  });
});

describe("MIG-3 credit eligibility of direct M365 admin portal purchases", () => {
  const portal = subscription({ purchasedVia: "m365-admin-portal" });
  it.each([
    ["delegated admin: the partner may ask", portal, true, "partner-may-request"],
    ["no delegated admin: the customer must ask", portal, false, "customer-must-request"],
    [
      "monthly billing too",
      subscription({ purchasedVia: "m365-admin-portal", billingCycle: "monthly" }),
      true,
      "partner-may-request",
    ],
    [
      "not billed monthly or annually",
      subscription({ purchasedVia: "m365-admin-portal", billingCycle: "none" }),
      true,
      "not-eligible",
    ],
    [
      "bought elsewhere than the portal",
      subscription({ purchasedVia: "partner-center" }),
      true,
      "not-eligible",
    ],
    [
      "not a direct purchase",
      subscription({ purchasedVia: "m365-admin-portal", channel: "open" }),
      true,
      "not-eligible",
    ],
  ] as const)("%s", (_label, original, delegatedAdmin, expected) => {
    const line = onlyItem(
      decide([item()], { subscriptions: [original], relationships: [relationship({ delegatedAdmin })] }),
    );
    expect(line.creditEligibility).toBe(expected);
  });
  it("rejected items are never credit-eligible", () => {
    const line = onlyItem(decide([item({ cancelOriginal: "keep" })], { subscriptions: [portal] }));
    expect(line.creditEligibility).toBe("not-eligible");
  });
});

describe("MIG-4 the same offer by default, from the catalogue", () => {
  it("targets the current offer, with no license reassignment", () => {
    expect(onlyItem(decide([item()]))).toMatchObject({
      targetOfferId: "o365-e3",
      licenseReassignmentRequired: false,
    });
  });
  it("an explicit target equal to the current offer is no reassignment", () => {
    expect(onlyItem(decide([item({ targetOfferId: "o365-e3" })])).licenseReassignmentRequired).toBe(false);
  });
  it("refuses when the current offer is unknown and no target is named", () => {
    const line = onlyItem(decide([item()], { offers: [] }));
    expect(rulesIn(line.violations)).toEqual(["MIG-4"]);
    expect(line.targetOfferId).toBeNull();
  });
  it("refuses a target offer missing from the catalogue or of the other kind", () => {
    expect(rulesIn(onlyItem(decide([item({ targetOfferId: "o365-x" })])).violations)).toEqual(["MIG-4"]);
    expect(rulesIn(onlyItem(decide([item({ targetOfferId: "azure-plan" })])).violations)).toEqual(["MIG-4"]);
  });
  it("keeps the seat count by default and allows more seats", () => {
    expect(onlyItem(decide([item()])).targetSeats).toBe(10);
    expect(onlyItem(decide([item({ targetSeats: 12 })]))).toMatchObject({
      targetSeats: 12,
      seatReduction: false,
      status: "provisioned",
    });
    const seatless = subscription();
    delete seatless.seats;
    expect(onlyItem(decide([item()], { subscriptions: [seatless] })).targetSeats).toBe(0);
  });
});

describe("MIG-5 a discontinued offer needs an equivalent", () => {
  const legacy = offer({
    id: "o365-e3",
    discontinued: true,
    equivalentOfferIds: ["o365-old", "o365-e3-new", "azure-plan", "o365-e5"],
  });
  const catalogue = [
    legacy,
    offer({ id: "o365-old", discontinued: true }),
    offer({ id: "o365-e3-new" }),
    ...CATALOGUE.slice(1),
  ];
  it("defaults to the first equivalent that is available and of the same kind", () => {
    expect(onlyItem(decide([item()], { offers: catalogue }))).toMatchObject({
      targetOfferId: "o365-e3-new",
      licenseReassignmentRequired: true,
      status: "provisioned",
    });
  });
  it("refuses when no equivalent is available", () => {
    const line = onlyItem(
      decide([item()], { offers: [offer({ discontinued: true, equivalentOfferIds: ["o365-gone"] })] }),
    );
    expect(rulesIn(line.violations)).toEqual(["MIG-5"]);
    expect(line.violations[0]!.message).toContain("o365-gone");
    const bare = onlyItem(decide([item()], { offers: [offer({ discontinued: true })] }));
    expect(bare.violations[0]!.message).toContain("none");
  });
  it("accepts an explicit equivalent, refuses a non-equivalent or discontinued target", () => {
    expect(onlyItem(decide([item({ targetOfferId: "o365-e5" })], { offers: catalogue })).status).toBe(
      "provisioned",
    );
    const stranger = onlyItem(
      decide([item({ targetOfferId: "o365-e7" })], { offers: [...catalogue, offer({ id: "o365-e7" })] }),
    );
    expect(rulesIn(stranger.violations)).toEqual(["MIG-5"]);
    expect(
      rulesIn(onlyItem(decide([item({ targetOfferId: "o365-old" })], { offers: catalogue })).violations),
    ).toEqual(["MIG-5"]);
    expect(
      rulesIn(onlyItem(decide([item({ targetOfferId: "o365-e3" })], { offers: catalogue })).violations),
    ).toEqual(["MIG-5"]);
    const noList = onlyItem(
      decide([item({ targetOfferId: "o365-e5" })], {
        offers: [offer({ discontinued: true }), ...CATALOGUE.slice(1)],
      }),
    );
    expect(noList.violations[0]!.message).toContain("(none)");
  });
});

describe("MIG-6 a different plan needs license reassignment", () => {
  it("flags licenseReassignmentRequired and provisions the target offer", () => {
    const outcome = decide([item({ targetOfferId: "o365-e5" })]);
    expect(onlyItem(outcome)).toMatchObject({ targetOfferId: "o365-e5", licenseReassignmentRequired: true });
    expect(outcome.subscriptionChanges[0]!.subscription.offerId).toBe("o365-e5");
  });
  it("never flags a usage item", () => {
    const offers = [...CATALOGUE, offer({ id: "azure-plan-2", kind: "usage" })];
    const line = onlyItem(
      decide([item({ subscriptionId: "azure-1", targetOfferId: "azure-plan-2", cancelOriginal: "keep" })], {
        offers,
      }),
    );
    expect(line).toMatchObject({ licenseReassignmentRequired: false, status: "provisioned" });
  });
});

describe("MIG-8 fewer seats must be asked for (inference)", () => {
  it("refuses a seat reduction that is not confirmed", () => {
    const line = onlyItem(decide([item({ targetSeats: 8 })]));
    expect(line.violations).toEqual([
      {
        rule: "MIG-8",
        message:
          "Target seats 8 are fewer than the 10 seats of subscription sub-1; set allowSeatReduction to confirm",
      },
    ]);
  });
  it("allows and flags a confirmed reduction", () => {
    const outcome = decide([item({ targetSeats: 8, allowSeatReduction: true })]);
    expect(onlyItem(outcome)).toMatchObject({ targetSeats: 8, seatReduction: true, status: "provisioned" });
    expect(outcome.subscriptionChanges[0]!.subscription.seats).toBe(8);
  });
});

describe("mixed migrations", () => {
  it("proceeds with the items that may, rejecting the rest", () => {
    const outcome = decide([
      item(),
      item({ subscriptionId: "gone" }),
      item({ subscriptionId: "azure-1", cancelOriginal: "keep" }),
    ]);
    expect(outcome.migration.status).toBe("awaiting-term-end");
    expect(outcome.migration.items.map((line) => line.status)).toEqual([
      "provisioned",
      "rejected",
      "provisioned",
    ]);
    expect(outcome.history[0]!.rules).toEqual(["REL-2", "MIG-1", "MC-1"]);
    expect(outcome.history[0]!.note).toContain("2 of 3");
  });
});

describe("failMigration", () => {
  it("moves a non-terminal migration to failed with its reason", () => {
    const outcome = failMigration(migration(), "storage unreachable", NOW);
    expect(outcome).toMatchObject({ changed: true, path: ["failed"] });
    expect(outcome.migration).toMatchObject({ status: "failed", failureReason: "storage unreachable" });
    expect(outcome.history[0]).toMatchObject({ by: "system", from: "submitted", to: "failed", rules: [] });
  });
  it("leaves a terminal migration alone", () => {
    expect(failMigration(migration({ status: "completed" }), "late", NOW).changed).toBe(false);
  });
});

describe("line item history", () => {
  const steps = (outcome: ReturnType<typeof decide>) =>
    outcome.itemHistory.map(({ subscriptionId, entry }) => [
      subscriptionId,
      entry.from,
      entry.to,
      entry.rules,
    ]);

  it("records every step of each item", () => {
    const outcome = decide([
      item(),
      item({ subscriptionId: "azure-1", cancelOriginal: "immediately" }),
      item({ subscriptionId: "gone" }),
    ]);
    expect(steps(outcome)).toEqual([
      ["sub-1", null, "planned", []],
      ["sub-1", "planned", "provisioned", ["MIG-1"]],
      ["azure-1", null, "planned", []],
      ["azure-1", "planned", "provisioned", ["MC-5"]],
      ["azure-1", "provisioned", "original-cancelled", ["MIG-1", "MIG-2"]],
      ["gone", null, "rejected", ["MC-1"]],
    ]);
    expect(outcome.itemHistory[4]!.entry.note).toContain("no refund");
    expect(outcome.itemHistory[1]!.entry.note).toContain("license-move");
  });

  it("records only what changed when a waiting migration resumes or is rejected", () => {
    const waiting = decide([item(), item({ subscriptionId: "gone" })], { relationships: [pending] });
    expect(steps(waiting)).toEqual([
      ["sub-1", null, "planned", []],
      ["gone", null, "rejected", ["MC-1"]],
    ]);
    const resumed = decideMigration(world({ migration: waiting.migration }));
    expect(steps(resumed)).toEqual([["sub-1", "planned", "provisioned", ["MIG-1"]]]);
    const declined = decideMigration(
      world({ migration: waiting.migration, relationships: [relationship({ status: "declined" })] }),
    );
    expect(steps(declined)).toEqual([["sub-1", "planned", "rejected", []]]);
  });

  it("names a switch and a transferred subscription", () => {
    const held = azure({ channel: "csp", partnerOfRecord: "partner-b" });
    const outcome = decide([item({ subscriptionId: "azure-1", cancelOriginal: "keep" })], {
      subscriptions: [held],
    });
    expect(outcome.itemHistory.at(-1)!.entry).toMatchObject({
      rules: ["MC-6"],
      note: "Provisioned azure-1 by azure-switch-partner",
    });
  });
});
