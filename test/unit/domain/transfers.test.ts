/**
 * Live mode, pure: how each path is carried out in Partner Center once provisioned (MIG-1 and MC-5
 * bought, MC-6 and MC-3 `license-transfer` transferred), the transfer to create, the wait between
 * polls, and what each poll's answer makes of the item.
 */
import { describe, expect, it } from "vitest";

import {
  applyPartnerCenterAnswer,
  canTransition,
  judgePoll,
  type LineItem,
  migrationSchema,
  type LineItemTransfer,
  orderRequestId,
  customerNotificationEmail,
  planTransfer,
  pollDelaySeconds,
  type TransferReading,
  TRANSFER_MAX_POLL_DELAY_SECONDS,
  TRANSFER_MAX_POLLS,
  transferRequestId,
} from "../../../shared/domain/index.js";
import { azure, decide, item, NOW, onlyItem, subscription } from "./fixtures.js";

const otherCspLicence = subscription({
  id: "sub-csp",
  channel: "csp",
  partnerOfRecord: "partner-b",
  seats: 25,
});
const otherCspAzure = azure({ id: "azure-csp", channel: "csp", partnerOfRecord: "partner-b" });
const subscriptions = [subscription(), azure(), otherCspLicence, otherCspAzure];

function provisioned(subscriptionId: string, live: boolean) {
  return onlyItem(
    decide([item({ subscriptionId })], {
      subscriptions,
      midtermLicenseTransfers: true,
      ordersInPartnerCenter: live,
    }),
  );
}

describe("how a provisioned item is carried out, by rule", () => {
  it.each([
    ["MIG-1: a licence is bought", "sub-1", "license-move", "ordering", undefined],
    ["MC-5: a new Azure plan is bought", "azure-1", "azure-new-subscription", "ordering", undefined],
    [
      "MC-6: Azure from another CSP partner is transferred",
      "azure-csp",
      "azure-switch-partner",
      "transferring",
      "AzureSubscription",
    ],
    [
      "MC-3: a licence moved mid-term is transferred",
      "sub-csp",
      "license-transfer",
      "transferring",
      "OnlineServicesNCE",
    ],
  ] as const)("live mode, %s", (_case, subscriptionId, path, execution, productType) => {
    const line = provisioned(subscriptionId, true);
    expect(line).toMatchObject({ status: "provisioned", path, execution });
    if (productType === undefined) expect(line.transfer).toBeUndefined();
    else
      expect(line.transfer).toEqual({
        sourcePartnerId: "partner-b",
        productType,
        requestId: transferRequestId("mig-1", subscriptionId),
        polls: 0,
      });
  });

  it.each(["sub-1", "azure-1", "azure-csp", "sub-csp"])(
    "records mode: %s is recorded, nothing else",
    (id) => {
      const line = provisioned(id, false);
      expect(line.execution).toBe("recorded");
      expect(line.transfer).toBeUndefined();
    },
  );
});

describe("planTransfer (MC-6, MC-3)", () => {
  const tenants = { source: "tenant-b", target: "tenant-a" };
  it.each([
    ["MC-6: Azure, moved whole", "azure-csp", otherCspAzure, "AzureSubscription", 1, "monthly"],
    ["MC-3: a licence, with its seats", "sub-csp", otherCspLicence, "OnlineServicesNCE", 25, "annual"],
  ] as const)("%s", (_case, id, original, productType, quantity, billingCycle) => {
    const line = provisioned(id, true);
    const plan = planTransfer(line, line.transfer as LineItemTransfer, original, tenants);
    expect(plan).toEqual({
      kind: "create",
      creation: {
        sourcePartnerTenantId: "tenant-b",
        targetPartnerTenantId: "tenant-a",
        transferType: 5,
        targetProductTypes: [productType],
        lineItems: [{ id: 0, subscriptionId: id, quantity, billingCycle }],
      },
    });
  });

  it("names the customer's address for Partner Center's notice when the service holds one, never an empty one", () => {
    const line = provisioned("azure-csp", true);
    const plan = (by: string | undefined) =>
      planTransfer(
        line,
        line.transfer as LineItemTransfer,
        otherCspAzure,
        tenants,
        customerNotificationEmail(by === undefined ? {} : { answeredBy: by }),
      );
    expect(plan("carol@fabrikam.example")).toMatchObject({
      creation: { customerEmailId: "carol@fabrikam.example" },
    });
    for (const by of [undefined, "partner-center", "", "carol"]) {
      const made = plan(by);
      expect(made.kind === "create" && "customerEmailId" in made.creation).toBe(false);
    }
  });

  it.each([
    [
      "MC-6",
      "azure-csp",
      otherCspAzure,
      { source: undefined, target: "tenant-a" },
      /has no Partner Center tenant/,
    ],
    ["MC-3", "sub-csp", otherCspLicence, { source: undefined, target: "tenant-a" }, /PUT that partner/],
    ["MC-6", "azure-csp", undefined, tenants, /no longer recorded/],
  ] as const)(
    "%s: nothing to create when the source or the original is unknown",
    (rule, id, original, given, message) => {
      const line = provisioned(id, true);
      const plan = planTransfer(line, line.transfer as LineItemTransfer, original, given);
      expect(plan).toMatchObject({ kind: "cannot", rule });
      expect(plan.kind === "cannot" && plan.message).toMatch(message);
    },
  );
});

describe("the polls of a transfer", () => {
  it.each([
    [1, 60, 60],
    [2, 60, 120],
    [4, 60, 480],
    [10, 60, TRANSFER_MAX_POLL_DELAY_SECONDS],
    [3, 1, 4],
  ])("poll %i with a base of %i s waits %i s", (poll, base, expected) => {
    expect(pollDelaySeconds(poll, base)).toBe(expected);
  });

  const active: TransferReading = {
    status: "Active",
    lineItems: [{ subscriptionId: "azure-csp", status: "Active" }],
  };
  const context: Parameters<typeof judgePoll>[1] = {
    transferId: "t-1",
    path: "azure-switch-partner",
    poll: 1,
    baseSeconds: 60,
  };
  it.each<[string, TransferReading | undefined, Partial<typeof context>, Record<string, unknown>]>([
    [
      "still Active: the next poll, twice the wait",
      active,
      {},
      { kind: "wait", nextPoll: 2, delaySeconds: 120 },
    ],
    [
      "Complete: transferred, with the subscription it became",
      {
        status: "Complete",
        lineItems: [{ subscriptionId: "azure-csp", status: "Complete", targetSubscriptionId: "new-1" }],
      },
      {},
      { kind: "transferred", newSubscriptionIds: ["new-1"] },
    ],
    [
      "Failed: Partner Center's code and description",
      {
        status: "Failed",
        lineItems: [{ status: "Failed", transferError: { code: "800120", description: "Not eligible" } }],
      },
      {},
      { kind: "failed", code: "800120", message: "Partner Center did not transfer it: 800120: Not eligible" },
    ],
    ["unknown to Partner Center: failed, MC-6", undefined, {}, { kind: "failed", code: null, rule: "MC-6" }],
    [
      "still Active at the last poll: the service stops waiting, MC-3",
      active,
      { poll: TRANSFER_MAX_POLLS, path: "license-transfer" },
      { kind: "failed", code: null, rule: "MC-3" },
    ],
  ])("%s", (_case, reading, overrides, expected) => {
    expect(judgePoll(reading, { ...context, ...overrides })).toMatchObject(expected);
  });
});

describe("transferRequestId", () => {
  it("is one UUID per line item, the same on every retry, never an order's", () => {
    const first = transferRequestId("mig-1", "azure-csp");
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(transferRequestId("mig-1", "azure-csp")).toBe(first);
    expect(first).not.toBe(orderRequestId("mig-1", "azure-csp"));
    expect(
      new Set([first, transferRequestId("mig-1", "x"), transferRequestId("mig-2", "azure-csp")]).size,
    ).toBe(3);
  });
});

describe("what Partner Center's answer settles (applyPartnerCenterAnswer)", () => {
  const live = (requests: Parameters<typeof decide>[0]) =>
    decide(requests, { subscriptions, midtermLicenseTransfers: true, ordersInPartnerCenter: true });
  const transfers = () =>
    live([
      item({ subscriptionId: "azure-csp", cancelOriginal: "keep" }),
      item({ subscriptionId: "sub-csp", cancelOriginal: "keep" }),
    ]);
  const transferred: Partial<LineItem> = { execution: "transferred" };
  const failed: Partial<LineItem> = {
    execution: "transfer-failed",
    transferError: { status: null, code: "800120", message: "not eligible", at: NOW },
  };

  it("a decision whose transfers run stays provisioning: nothing is completed before Partner Center is", () => {
    const decided = transfers();
    expect(decided.migration.status).toBe("provisioning");
    expect(decided.path).toEqual(["provisioning"]);
  });

  it.each([
    ["both transferred", transferred, transferred, "completed", []],
    ["one failed, one transferred", failed, transferred, "partially-completed", ["MC-3"]],
    ["both failed", failed, failed, "failed", ["MC-6", "MC-3"]],
  ] as const)("%s: the last answer settles it, once", (_case, first, second, status, rules) => {
    const decided = transfers().migration;
    const one = applyPartnerCenterAnswer(decided, "sub-csp", first, undefined, NOW);
    expect(one).toMatchObject({ migration: { status: "provisioning" }, path: [], history: [] });
    const two = applyPartnerCenterAnswer(one.migration, "azure-csp", second, undefined, NOW);
    expect(two.path).toEqual([status]);
    expect(two.history).toMatchObject([{ from: "provisioning", to: status, rules: [...rules] }]);
    expect(canTransition("migration", "provisioning", status)).toBe(true);
    expect(two.migration.failureReason === undefined).toBe(status !== "failed");
    migrationSchema.parse(two.migration);
  });

  it.each([
    ["ordered", { execution: "ordered" as const }, "completed", []],
    [
      "refused",
      { execution: "order-failed" as const, orderError: { status: 400, message: "refused", at: NOW } },
      "failed",
      ["MC-5"],
    ],
  ] as const)(
    "MC-5 kept original: the decision waits for the purchase, which settles it (%s)",
    (_case, answer, status, rules) => {
      const decided = live([item({ subscriptionId: "azure-1", cancelOriginal: "keep" })]);
      expect(decided.migration).toMatchObject({ status: "provisioning", items: [{ execution: "ordering" }] });
      const answered = applyPartnerCenterAnswer(decided.migration, "azure-1", answer, undefined, NOW);
      expect(answered.path).toEqual([status]);
      expect(answered.history).toMatchObject([{ from: "provisioning", to: status, rules: [...rules] }]);
    },
  );

  it("MIG-9: an immediate cancellation is made by the answer that records the order, not by the decision", () => {
    const decided = live([item({ subscriptionId: "sub-1", cancelOriginal: "immediately" })]);
    expect(decided.migration).toMatchObject({
      status: "awaiting-term-end",
      items: [{ status: "provisioned", execution: "ordering", cancelAt: NOW }],
    });
    expect(decided.subscriptionChanges.map((change) => change.change)).toEqual(["created"]);
    const order = {
      id: "o-1",
      subscriptionId: "s-1",
      cartId: "c-1",
      requestId: orderRequestId("mig-1", "sub-1"),
    };
    const answered = applyPartnerCenterAnswer(
      decided.migration,
      "sub-1",
      { execution: "ordered", order: { ...order, catalogItemId: "x:y:z", quantity: 10, at: NOW } },
      subscription(),
      NOW,
    );
    expect(answered.migration).toMatchObject({
      status: "completed",
      items: [{ status: "original-cancelled" }],
    });
    expect(answered.subscriptionChanges).toMatchObject([
      { change: "cancelled", subscription: { status: "cancelled" } },
    ]);
    // Refused instead: the original is kept, and the migration does not complete.
    const refused = applyPartnerCenterAnswer(
      decided.migration,
      "sub-1",
      { execution: "order-failed", orderError: { status: 400, message: "refused", at: NOW } },
      subscription(),
      NOW,
    );
    expect(refused).toMatchObject({ migration: { status: "awaiting-term-end" }, subscriptionChanges: [] });
  });
});
