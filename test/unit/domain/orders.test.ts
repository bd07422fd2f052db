/**
 * MIG-1 and MC-5 in live mode: what buying a licence item or a new Azure plan takes, and the
 * MS-RequestId that keeps it one purchase; MIG-9: when its original may go.
 */
import { describe, expect, it } from "vitest";

import {
  type LineItem,
  type Offer,
  orderRequestId,
  originalRetirement,
  planOrder,
} from "../../../shared/domain/index.js";
import { decide, item, offer, onlyItem } from "./fixtures.js";

const sold: NonNullable<Offer["partnerCenter"]> = {
  catalogItemId: "CFQ7TTC0LF8Q:0001:CFQ7TTC0K0KS",
  termDuration: "P1Y",
  billingCycle: "monthly",
};
const provisioned = onlyItem(decide([item({ subscriptionId: "sub-1", targetSeats: 25 })]));

describe("planOrder (MIG-1)", () => {
  it.each([
    [
      "an offer Partner Center sells",
      offer({ partnerCenter: sold }),
      25,
      { kind: "buy", ...sold, quantity: 25 },
    ],
    ["an offer naming no catalog item", offer(), 25, { kind: "cannot", rule: "MIG-1" }],
    ["no offer at all", undefined, 25, { kind: "cannot", rule: "MIG-1" }],
    ["no seats to buy", offer({ partnerCenter: sold }), 0, { kind: "cannot", rule: "MIG-1" }],
  ] as const)("%s", (_case, target, seats, expected) => {
    expect(planOrder({ ...provisioned, targetSeats: seats }, target)).toMatchObject(expected);
  });

  const azurePlan = onlyItem(decide([item({ subscriptionId: "azure-1" })], { ordersInPartnerCenter: true }));
  const azureSold: NonNullable<Offer["partnerCenter"]> = {
    catalogItemId: "DZH318Z0BPS6:0001:DZH318Z0BML6",
    termDuration: "P1M",
    billingCycle: "monthly",
  };
  it.each([
    [
      "MC-5: one Azure plan, billed one-time, no term",
      offer({ id: "azure-plan", kind: "usage", partnerCenter: azureSold }),
      { kind: "buy", catalogItemId: azureSold.catalogItemId, quantity: 1, billingCycle: "one_time" },
    ],
    [
      "MC-5: an Azure offer naming no catalog item",
      offer({ id: "azure-plan", kind: "usage" }),
      { kind: "cannot", rule: "MC-5" },
    ],
  ] as const)("%s", (_case, target, expected) => {
    expect(azurePlan).toMatchObject({ path: "azure-new-subscription", execution: "ordering" });
    const plan = planOrder(azurePlan, target);
    expect(plan).toEqual(expected.kind === "buy" ? expected : expect.objectContaining(expected));
    expect(plan).not.toHaveProperty("termDuration");
  });

  it("says what to PUT when the offer names no catalog item", () => {
    const plan = planOrder(provisioned, offer());
    expect(plan.kind === "cannot" && plan.message).toMatch(/PUT the offer/);
  });
});

describe("orderRequestId", () => {
  it("is one UUID per line item, the same on every retry", () => {
    const first = orderRequestId("mig-1", "sub-1");
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(orderRequestId("mig-1", "sub-1")).toBe(first);
    expect(new Set([first, orderRequestId("mig-1", "sub-2"), orderRequestId("mig-2", "sub-1")]).size).toBe(3);
  });
});

describe("originalRetirement (MIG-9)", () => {
  const refused: LineItem["orderError"] = {
    status: 400,
    message: "Partner Center refused the order: POST /checkout answered 400: 800002: quantity too low",
    at: "2025-07-01T00:00:00.000Z",
  };
  it.each([
    ["recorded (records mode, or nothing to buy)", { execution: "recorded" }, "retire"],
    ["provisioned before executions were recorded", { execution: undefined }, "retire"],
    ["ordered in Partner Center", { execution: "ordered" }, "retire"],
    ["still being ordered", { execution: "ordering" }, "wait"],
    ["refused by Partner Center", { execution: "order-failed", orderError: refused }, "keep"],
    ["not buyable (no catalog item)", { execution: "order-failed" }, "keep"],
  ] as const)("%s: %s", (_case, execution, kind) => {
    const retirement = originalRetirement({ ...provisioned, ...execution });
    expect(retirement.kind).toBe(kind);
    if (retirement.kind !== "retire") expect(retirement.rule).toBe("MIG-9");
  });

  it("says the original is kept, and Partner Center's code and description, when the order was refused", () => {
    const retirement = originalRetirement({ ...provisioned, execution: "order-failed", orderError: refused });
    expect(retirement.kind === "keep" && retirement.reason).toMatch(
      /800002: quantity too low.*original is kept/,
    );
  });
});
