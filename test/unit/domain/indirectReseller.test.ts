import { describe, expect, it } from "vitest";

import { decideRelationshipRequest, type Partner } from "../../../shared/domain/index.js";
import { customer, expectValidRelationshipOutcome, NOW, partner, relationship, rulesIn } from "./fixtures.js";

const provider = partner({ id: "provider-a", kind: "indirect-provider" });
const ownReseller = partner({
  id: "reseller-r",
  kind: "indirect-reseller",
  indirectProviderId: "provider-a",
});

function decide(requester: Partner, reseller: Partner | undefined, indirectResellerId: string | undefined) {
  const outcome = decideRelationshipRequest({
    relationship: relationship({
      id: "rel-new",
      partnerId: requester.id,
      status: "submitted",
      delegatedAdmin: false,
      ...(indirectResellerId === undefined ? {} : { indirectResellerId }),
    }),
    partner: requester,
    customer: customer(),
    reseller,
    relationships: [],
    now: NOW,
    invitationTtlDays: 90,
  });
  expectValidRelationshipOutcome(outcome);
  return outcome;
}

describe("REL-1 (two-tier CSP): an indirect provider asks on behalf of its own reseller", () => {
  it.each([
    ["an indirect provider, for its own reseller", provider, ownReseller, "reseller-r", "pending", []],
    ["any partner, for no reseller", partner(), undefined, undefined, "pending", []],
    ["a direct partner, for a reseller", partner(), ownReseller, "reseller-r", "rejected", ["REL-1"]],
    [
      "an indirect reseller, for another reseller",
      partner({ kind: "indirect-reseller", indirectProviderId: "provider-a" }),
      ownReseller,
      "reseller-r",
      "rejected",
      ["REL-1"],
    ],
    [
      "an indirect provider, for an unregistered reseller",
      provider,
      undefined,
      "reseller-x",
      "rejected",
      ["REL-1"],
    ],
    [
      "an indirect provider, for another provider's reseller",
      provider,
      partner({ id: "reseller-o", kind: "indirect-reseller", indirectProviderId: "provider-b" }),
      "reseller-o",
      "rejected",
      ["REL-1"],
    ],
    [
      "an indirect provider, for a partner that is not a reseller",
      provider,
      partner({ id: "direct-d", kind: "direct" }),
      "direct-d",
      "rejected",
      ["REL-1"],
    ],
  ] as const)("%s → %s", (_case, requester, reseller, resellerId, status, rules) => {
    const outcome = decide(requester, reseller, resellerId);
    expect(outcome.relationship.status).toBe(status);
    expect(rulesIn(outcome.violations)).toEqual(rules);
  });
});
