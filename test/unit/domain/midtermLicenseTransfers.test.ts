/**
 * MC-3 under both settings of MIDTERM_LICENSE_TRANSFERS (passed to the rules, never read by them):
 * off, a licence another CSP partner holds mid-term is refused or waits for its term end; on, it
 * moves now by transfer (path `license-transfer`), on its own offer and seats, and nothing is cancelled.
 */
import { describe, expect, it } from "vitest";

import type { MigrationItemRequest } from "../../../shared/domain/index.js";
import { azure, decide, item, onlyItem, PAST_TERM_END, rulesIn, subscription, TERM_END } from "./fixtures.js";

const otherCsp = subscription({ id: "sub-csp", channel: "csp", partnerOfRecord: "partner-b" });
const ownCsp = subscription({ id: "sub-csp", channel: "csp", partnerOfRecord: "partner-a" });
const otherCspAzure = azure({ id: "sub-csp", channel: "csp", partnerOfRecord: "partner-b" });
const ended = { ...otherCsp, termEnd: PAST_TERM_END };
const direct = subscription({ id: "sub-csp", channel: "direct" });

type Case = [
  string,
  boolean,
  typeof otherCsp,
  Partial<MigrationItemRequest>,
  { status: string; path: string | null; rules: string[] },
];

const cases: Case[] = [
  // Off (the default): as the seeds have it.
  [
    "off: mid-term from another CSP partner is refused",
    false,
    otherCsp,
    {},
    { status: "rejected", path: "license-move", rules: ["MC-3"] },
  ],
  [
    "off: it may wait for its term end",
    false,
    otherCsp,
    { startAt: "term-end" },
    { status: "planned", path: "license-move", rules: [] },
  ],
  [
    "off: past its term end it moves by a new subscription",
    false,
    ended,
    {},
    { status: "original-expired", path: "license-move", rules: [] },
  ],
  // On: transferred mid-term instead of the refusal.
  [
    "on: mid-term from another CSP partner is transferred now",
    true,
    otherCsp,
    {},
    { status: "provisioned", path: "license-transfer", rules: [] },
  ],
  [
    "on: the original may be kept (nothing is cancelled either way)",
    true,
    otherCsp,
    { cancelOriginal: "keep" },
    { status: "provisioned", path: "license-transfer", rules: [] },
  ],
  [
    "on: a transferred licence cannot be cancelled immediately",
    true,
    otherCsp,
    { cancelOriginal: "immediately" },
    { status: "rejected", path: "license-transfer", rules: ["MC-3"] },
  ],
  [
    "on: it keeps its offer",
    true,
    otherCsp,
    { targetOfferId: "o365-e5" },
    { status: "rejected", path: "license-transfer", rules: ["MC-3"] },
  ],
  [
    "on: it keeps its seats",
    true,
    otherCsp,
    { targetSeats: 11 },
    { status: "rejected", path: "license-transfer", rules: ["MC-3"] },
  ],
  [
    "on: asked to wait for term end, it waits (a new subscription then)",
    true,
    otherCsp,
    { startAt: "term-end" },
    { status: "planned", path: "license-move", rules: [] },
  ],
  [
    "on: past its term end there is nothing to transfer mid-term",
    true,
    ended,
    {},
    { status: "original-expired", path: "license-move", rules: [] },
  ],
  [
    "on: one this partner already holds is still refused",
    true,
    ownCsp,
    {},
    { status: "rejected", path: "license-move", rules: ["MIG-1"] },
  ],
  [
    "on: Azure from another CSP partner is still switched (MC-6)",
    true,
    otherCspAzure,
    {},
    { status: "provisioned", path: "azure-switch-partner", rules: [] },
  ],
  [
    "on: other channels are unaffected",
    true,
    direct,
    {},
    { status: "provisioned", path: "license-move", rules: [] },
  ],
];

describe("MC-3 with MIDTERM_LICENSE_TRANSFERS off and on", () => {
  it.each(cases)("%s", (_case, midtermLicenseTransfers, original, asked, expected) => {
    const line = onlyItem(
      decide([item({ subscriptionId: "sub-csp", ...asked })], {
        subscriptions: [original],
        midtermLicenseTransfers,
      }),
    );
    expect({ status: line.status, path: line.path, rules: rulesIn(line.violations) }).toEqual(expected);
  });

  it("on: the transfer moves the original itself to the partner, with its seats, and schedules nothing", () => {
    const outcome = decide([item({ subscriptionId: "sub-csp" })], {
      subscriptions: [otherCsp],
      midtermLicenseTransfers: true,
    });
    expect(outcome.path).toEqual(["provisioning", "completed"]);
    expect(onlyItem(outcome)).toMatchObject({
      path: "license-transfer",
      newSubscriptionId: "sub-csp",
      targetOfferId: otherCsp.offerId,
      targetSeats: otherCsp.seats,
      cancelAt: null,
      licenseReassignmentRequired: false,
      execution: "recorded",
    });
    expect(outcome.subscriptionChanges).toEqual([
      {
        change: "transferred",
        subscription: { ...otherCsp, partnerOfRecord: "partner-a" },
        migrationId: "mig-1",
        originalSubscriptionId: "sub-csp",
        rules: ["MC-3"],
      },
    ]);
    const provisioned = outcome.itemHistory.find((step) => step.entry.to === "provisioned");
    expect(provisioned?.entry.rules).toEqual(["MC-3"]);
  });

  it("off: the refusal names the partner and the term end", () => {
    const line = onlyItem(decide([item({ subscriptionId: "sub-csp" })], { subscriptions: [otherCsp] }));
    const refusal = line.violations.find((found) => found.rule === "MC-3");
    expect(refusal?.message).toContain("partner-b");
    expect(refusal?.message).toContain(TERM_END);
  });
});
