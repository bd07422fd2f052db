import { describe, expect, it } from "vitest";

import { ENTRA_ROLE_IDS } from "../../../shared/auth/entraRoles.js";
import {
  actsAsItself,
  answerViolation,
  callerKindViolation,
  customerChangeViolation,
  mayRead,
  mayReadSubscription,
  subscriptionChangeViolation,
  sweepAsOfViolation,
  type Caller,
  type CallerKind,
  type Customer,
  type Subscription,
} from "../../../shared/domain/index.js";
import { aCustomer, aSubscription } from "../../setup/records.js";

const operator: Caller = { kind: "operator", keyId: "ops" };
const partnerA: Caller = { kind: "partner", keyId: "pk_a", partnerId: "a" };
const partnerB: Caller = { kind: "partner", keyId: "pk_b", partnerId: "b" };
const customer = (roleIds: string[] = [ENTRA_ROLE_IDS["global-admin"]], tenantId = "c1"): Caller => ({
  kind: "customer",
  tenantId,
  objectId: "oid-1",
  username: "megan@c1.example",
  roleIds,
});

const partnerCenter: Caller = { kind: "partner-center", certificateThumbprint: "AB:CD" };
const ruleOf = (found: { rule: string } | null) => found?.rule ?? null;

describe("TEN-1, TEN-3, TEN-4, PC-1 — which kind of caller a route takes", () => {
  it.each([
    [["operator"], partnerA, "TEN-4"],
    [["operator"], customer(), "TEN-3"],
    [["partner"], operator, "TEN-1"],
    [["partner"], customer(), "TEN-3"],
    [["partner", "operator"], customer(), "TEN-3"],
    [["customer"], partnerA, "TEN-3"],
    [["customer"], operator, "TEN-3"],
    [["partner", "operator"], partnerA, null],
    [["customer"], customer(), null],
    [["partner-center"], operator, "PC-1"],
    [["partner-center"], partnerA, "PC-1"],
    [["partner-center"], customer(), "PC-1"],
    [["customer"], partnerCenter, "PC-1"],
    [["operator"], partnerCenter, "PC-1"],
    [["partner"], partnerCenter, "PC-1"],
    [["partner-center"], partnerCenter, null],
  ] as [CallerKind[], Caller, string | null][])("%j refuses %j with %s", (allowed, caller, rule) => {
    expect(ruleOf(callerKindViolation(allowed, caller))).toBe(rule);
  });
});

describe("TEN-1 — a partner acts only as itself", () => {
  it.each([
    [partnerA, "a", null],
    [partnerA, "b", "TEN-1"],
    [operator, "b", null],
  ] as const)("%j acting for %s → %s", (caller, partnerId, rule) => {
    expect(ruleOf(actsAsItself(caller, partnerId))).toBe(rule);
  });
});

describe("TEN-2 — a partner reads only its own", () => {
  it.each([
    [operator, "a", true],
    [partnerA, "a", true],
    [partnerB, "a", false],
    [partnerA, undefined, false],
    [customer(), "a", false],
  ] as const)("%j reading %s's → %s", (caller, owner, readable) => {
    expect(mayRead(caller, owner)).toBe(readable);
  });

  it("a subscription is its entering partner's and its partner of record's", () => {
    const entered = aSubscription("c1", "s1", { enteredBy: "a" });
    const ofRecord = aSubscription("c1", "s2", { channel: "csp", partnerOfRecord: "b" });
    expect([mayReadSubscription(partnerA, entered), mayReadSubscription(partnerB, entered)]).toEqual([
      true,
      false,
    ]);
    expect([mayReadSubscription(partnerA, ofRecord), mayReadSubscription(partnerB, ofRecord)]).toEqual([
      false,
      true,
    ]);
  });
});

describe("TEN-3 — only the customer's Global Administrator answers", () => {
  it.each([
    ["the customer's Global Administrator", customer(), null],
    ["a user administrator", customer([ENTRA_ROLE_IDS["user-admin"]]), "TEN-3"],
    ["a user with no role", customer([]), "TEN-3"],
    ["another tenant's Global Administrator", customer(undefined, "c2"), "TEN-3"],
    ["a partner's key", partnerA, "TEN-3"],
    ["the operator's key", operator, "TEN-3"],
  ] as const)("%s → %s", (_who, caller, rule) => {
    expect(ruleOf(answerViolation(caller, "c1"))).toBe(rule);
  });
});

describe("TEN-5 — a customer's profile is shared", () => {
  const existing: Customer = aCustomer("c1", { enteredBy: "a" });
  it.each([
    ["a partner entering a new profile", partnerB, undefined, aCustomer("c1"), null],
    ["a partner sending it again unchanged", partnerB, existing, { ...existing }, null],
    ["the entering partner correcting the name", partnerA, existing, { ...existing, name: "Fixed" }, null],
    ["another partner renaming it", partnerB, existing, { ...existing, name: "Mine" }, "TEN-5"],
    ["the entering partner changing the region", partnerA, existing, { ...existing, region: "EU" }, "TEN-5"],
    ["a partner changing the cloud", partnerB, existing, { ...existing, cloud: "germany" as const }, "TEN-5"],
    ["a partner marking it a CSP partner", partnerB, existing, { ...existing, isCspPartner: true }, "TEN-5"],
    ["the operator changing the region", operator, existing, { ...existing, region: "EU" }, null],
  ] as [string, Caller, Customer | undefined, Customer, string | null][])(
    "%s → %s",
    (_what, caller, before, after, rule) => {
      expect(ruleOf(customerChangeViolation(caller, before, after))).toBe(rule);
    },
  );
});

describe("TEN-6 — a subscription entered by hand is its partner's", () => {
  const entered: Subscription = aSubscription("c1", "s1", { enteredBy: "a" });
  const bySystem: Subscription = aSubscription("c1", "s2");
  it.each([
    ["a partner entering a new one", partnerB, undefined, null],
    ["the entering partner replacing it", partnerA, entered, null],
    ["another partner replacing it", partnerB, entered, "TEN-6"],
    ["a partner replacing one the operator or the service made", partnerA, bySystem, "TEN-6"],
    ["the operator replacing it", operator, entered, null],
  ] as [string, Caller, Subscription | undefined, string | null][])(
    "%s → %s",
    (_what, caller, before, rule) => {
      expect(ruleOf(subscriptionChangeViolation(caller, before))).toBe(rule);
    },
  );
});

describe("OPS-1 — a sweep that writes never looks ahead", () => {
  const now = "2026-12-02T00:00:00.000Z";
  it.each([
    ["as of now", now, false, null],
    ["as of the past (catching up)", "2026-11-01T00:00:00.000Z", false, null],
    ["as of tomorrow", "2026-12-03T00:00:00.000Z", false, "OPS-1"],
    ["as of tomorrow, dry", "2026-12-03T00:00:00.000Z", true, null],
  ] as const)("%s → %s", (_what, asOf, dryRun, rule) => {
    expect(ruleOf(sweepAsOfViolation(asOf, now, dryRun))).toBe(rule);
  });
});
