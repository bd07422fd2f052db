/**
 * Live mode buys a migration's licence items in Partner Center — a cart with the target offer's
 * catalogue item, quantity = seats, then its checkout — through the real handlers, the emulator and
 * the local Partner Center (started for this file): one order per item however often the message
 * comes; an offer Partner Center does not sell as named fails the item with its reason. In records
 * mode nothing is bought. A crash between checkout and the table write (the host killed), and
 * throttling, go through the whole stack: test/e2e/partnerCenterActions.test.ts.
 */
import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";

import { getSubscription } from "../../functions/getSubscription.js";
import { processMigrationMessage } from "../../functions/processMigrationMessage.js";
import { orderRequestId } from "../../shared/domain/index.js";
import { migrationMessageSchema, QUEUES } from "../../shared/messaging/messages.js";
import { processMigration } from "../../shared/pipeline/processMigration.js";
import { acceptAsCustomer, inRecordsMode, liveOrders, sold } from "./http/liveOrders.js";
import { subscriptionBody } from "./http/reference.js";
import { usePartnerCenter } from "./http/partnerCenter.js";
import { withTableWriteFault } from "./http/storeFault.js";
import { call, usePipelineHttp } from "./http/support.js";

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "pc-orders", invocationId: "pc-orders" });
const { processQueues, world, accept, submitMigration, migrationOf, ordersOf, purchasesAs } = liveOrders(
  http,
  partnerCenter,
  context,
);

describe("live mode: a migration buys each licence item once", () => {
  it("delivered 3 times: one order per item, recorded on the item with Partner Center's subscription", async () => {
    const found = await world(["ea-1", "ea-2"]);
    await accept(found);
    const migrationId = await submitMigration(found, ["ea-1", "ea-2"]);
    const [message] = await http.drain(QUEUES.migrations);
    for (const _ of [1, 2, 3]) await processMigrationMessage(message?.body, context());

    const orders = ordersOf(found.tenantId);
    expect(orders.map((order) => order.lineItems.map(({ subscriptionId: _, ...line }) => line))).toEqual([
      [{ catalogItemId: sold.catalogItemId, quantity: subscriptionBody.seats }],
      [{ catalogItemId: sold.catalogItemId, quantity: subscriptionBody.seats }],
    ]);
    const subscriptions = orders.flatMap((order) => order.lineItems.map((line) => line.subscriptionId));
    expect(new Set(subscriptions).size).toBe(2);
    const migration = await migrationOf(migrationId);
    expect(
      migration.items.map((item) => [item.execution, item.order?.id, item.order?.subscriptionId]),
    ).toEqual(orders.map((order) => ["ordered", order.id, order.lineItems[0]?.subscriptionId]));
    expect(migration.items[0]?.order).toMatchObject({
      requestId: orderRequestId(migrationId, "ea-1"),
      catalogItemId: sold.catalogItemId,
      quantity: subscriptionBody.seats,
    });
    // Asked by the first delivery only: the later ones found every item ordered.
    expect(purchasesAs(found.tenantId)).toHaveLength(4);
  });

  it("a migration resumed by the customer's acceptance is bought when the answer is processed", async () => {
    const found = await world(["ea-1"]);
    const migrationId = await submitMigration(found, ["ea-1"]);
    await processQueues();
    expect((await migrationOf(migrationId)).status).toBe("awaiting-relationship");
    await accept(found);
    expect((await migrationOf(migrationId)).items[0]?.execution).toBe("ordered");
    expect(ordersOf(found.tenantId)).toHaveLength(1);
  });
});

describe("live mode, MIG-9: an immediate cancellation waits for the replacement's order", () => {
  it("a crash between checkout and its write cancels nothing; the redelivery buys nothing twice and cancels then", async () => {
    const found = await world(["ea-1"]);
    await accept(found);
    const migrationId = await submitMigration(found, ["ea-1"], { cancelOriginal: "immediately" });
    const [message] = await http.drain(QUEUES.migrations);
    const original = async () => {
      const answer = await call(
        getSubscription,
        "GET",
        `/api/customers/${found.customerId}/subscriptions/ea-1`,
        { params: { customerId: found.customerId, subscriptionId: "ea-1" } },
      );
      return (answer.body as { status: string }).status;
    };
    // The decision commits; Partner Center sells; the write recording the order never lands.
    const recordsAnOrder = (body: string) =>
      ordersOf(found.tenantId).some((order) => body.includes(order.id));
    const fired = await withTableWriteFault(import.meta.url, recordsAnOrder, async () => {
      await expect(processMigrationMessage(message?.body, context())).rejects.toThrow(/injected fault/);
    });
    expect(fired).toBe(1);
    expect((await migrationOf(migrationId)).items[0]).toMatchObject({
      status: "provisioned",
      execution: "ordering",
    });
    expect(await original()).toBe("active");

    const redelivered = await processMigration(migrationMessageSchema.parse(message?.body));
    // Its log line says where the order's write moved it: on to completed.
    expect(redelivered.moved[0]).toMatchObject({ from: "awaiting-term-end", path: ["completed"] });
    expect(ordersOf(found.tenantId)).toHaveLength(1);
    const migration = await migrationOf(migrationId);
    expect(migration).toMatchObject({
      status: "completed",
      items: [{ status: "original-cancelled", execution: "ordered" }],
    });
    expect(await original()).toBe("cancelled");
    // The item's steps: provisioned with the decision, cancelled with the order's write.
    const steps = migration.history.filter((entry) => entry.lineItem === "ea-1");
    expect(steps.map((entry) => entry.to)).toEqual(["planned", "provisioned", "original-cancelled"]);
    expect(steps[2]?.at.localeCompare(migration.items[0]?.order?.at ?? "")).toBeGreaterThanOrEqual(0);
  });
});

describe("live mode: what cannot be bought", () => {
  it("an offer without Partner Center's catalog item fails the item with its reason (MIG-1); nothing is asked", async () => {
    const found = await world(["ea-1"], false);
    await accept(found);
    const migrationId = await submitMigration(found, ["ea-1"]);
    await processQueues();
    const [item] = (await migrationOf(migrationId)).items;
    expect(item).toMatchObject({
      execution: "order-failed",
      orderError: { status: null, rule: "MIG-1" },
    });
    expect(item?.orderError?.message).toContain(`Offer ${found.offerId} has no Partner Center catalog item`);
    expect(item?.order).toBeUndefined();
    expect(purchasesAs(found.tenantId)).toEqual([]);
  });
});

describe("records mode: nothing is bought", () => {
  it("the item says recorded and Partner Center is not asked, though the offer could be bought", async () => {
    await inRecordsMode(async () => {
      const found = await world(["ea-1"]);
      await acceptAsCustomer(found);
      const migrationId = await submitMigration(found, ["ea-1"]);
      await processQueues();
      const migration = await migrationOf(migrationId);
      expect(migration.items.map((item) => [item.execution, item.order])).toEqual([["recorded", undefined]]);
      expect(partnerCenter.requestsAs(found.tenantId)).toEqual([]);
    });
  });
});
