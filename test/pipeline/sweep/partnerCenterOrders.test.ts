/**
 * Live mode: a licence item the sweep provisions at its term end is bought in Partner Center through
 * the processors' own cart and checkout, and its original expires only once the order is recorded
 * (MIG-9). Through the real sweep functions, the emulator and the local Partner Center (started for
 * this file): one order however often the customer's message comes or the sweep runs, after a crash
 * between checkout and the table write, and through throttling and faults (the message is scheduled
 * again; after the night's last delivery the next night still finds the customer); a refusal keeps
 * the original. Records mode buys nothing.
 */
import { InvocationContext } from "@azure/functions";
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it, vi } from "vitest";

import { processMigrationMessage } from "../../../functions/processMigrationMessage.js";
import { sweepTrigger } from "../../../functions/processSweepMessage.js";
import { orderRequestId } from "../../../shared/domain/index.js";
import { QUEUES, sweepMessageSchema } from "../../../shared/messaging/messages.js";
import { queueSweep } from "../../../shared/pipeline/sweep.js";
import { runtime } from "../../../shared/pipeline/runtime.js";
import { getEntity, readHistory } from "../../../shared/storage/index.js";
import { acceptAsCustomer, inRecordsMode, liveOrders, type LiveWorld, sold } from "../http/liveOrders.js";
import { usePartnerCenter } from "../http/partnerCenter.js";
import { subscriptionBody } from "../http/reference.js";
import { withTableWriteFault } from "../http/storeFault.js";
import { usePipelineHttp } from "../http/support.js";

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "sweep-orders", invocationId: "sweep-orders" });
const { world, accept, submitMigration, migrationOf, ordersOf, purchasesAs, processQueues } = liveOrders(
  http,
  partnerCenter,
  context,
);

/** The subscriptions' term ends on 2027-01-01 (subscriptionBody): the night after, and the one after that. */
const AFTER_TERM_END = "2027-01-02T02:00:00.000Z";
const NEXT_NIGHT = "2027-01-03T02:00:00.000Z";

/** A customer whose migration of `ea-1` waits for its term end (startAt "term-end"), accepted in Partner Center. */
async function waitingForTermEnd(partnerCenterOffer = true): Promise<LiveWorld & { migrationId: string }> {
  const found = await world(["ea-1"], partnerCenterOffer);
  await accept(found);
  const migrationId = await submitMigration(found, ["ea-1"], { startAt: "term-end" });
  await processQueues();
  const migration = await migrationOf(migrationId);
  expect(migration).toMatchObject({ status: "awaiting-term-end", items: [{ status: "planned" }] });
  expect(ordersOf(found.tenantId)).toEqual([]);
  return { ...found, migrationId };
}

/** The nightly run as of `asOf` queues the due customers; the message of this one, if any. */
async function queuedSweepOf(customerId: string, asOf: string): Promise<ServiceBusReceivedMessage[]> {
  await queueSweep({ asOf });
  return received(customerId);
}

/** What is now on the customer-sweeps queue for this customer (the rest is other tests' customers). */
async function received(customerId: string): Promise<ServiceBusReceivedMessage[]> {
  const messages = await http.drain(QUEUES.sweeps);
  return messages.filter((message) => sweepMessageSchema.parse(message.body).customerId === customerId);
}

/** Delivers a customer-sweeps message as the host would, through its trigger; the lines the function logged. */
async function deliver(
  message: Pick<ServiceBusReceivedMessage, "body" | "applicationProperties"> | undefined,
): Promise<string[]> {
  const lines: string[] = [];
  const invocation = new InvocationContext({
    functionName: "processSweepMessage",
    logHandler: (_level, ...args) => lines.push(args.map(String).join(" ")),
    triggerMetadata: { applicationProperties: message?.applicationProperties ?? {} },
  });
  await sweepTrigger.handler(message?.body, invocation);
  return lines;
}

const originalOf = async (customerId: string) =>
  (await getEntity(http.store(), "subscription", customerId, "ea-1"))?.value;

const scheduledSweeps = () => http.emulator().stats().entities[QUEUES.sweeps]?.scheduled ?? 0;

describe("live mode: the sweep buys what it provisions at term end, once", () => {
  it("two runs and a message delivered three times (twice at once): one order; the original expires after it", async () => {
    const found = await waitingForTermEnd();
    const [message, ...more] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    expect(more).toEqual([]);

    await Promise.all([deliver(message), deliver(message)]);
    await deliver(message);
    // The next night nothing is due for the customer any more.
    expect(await queuedSweepOf(found.customerId, NEXT_NIGHT)).toEqual([]);

    const [order, ...others] = ordersOf(found.tenantId);
    expect(others).toEqual([]);
    expect(order?.lineItems.map(({ subscriptionId: _, ...line }) => line)).toEqual([
      { catalogItemId: sold.catalogItemId, quantity: subscriptionBody.seats },
    ]);
    const migration = await migrationOf(found.migrationId);
    expect(migration).toMatchObject({
      status: "completed",
      items: [
        {
          status: "original-expired",
          execution: "ordered",
          // The processors' MS-RequestId for this item: the processor and the sweep ask as one.
          order: {
            id: order?.id,
            subscriptionId: order?.lineItems[0]?.subscriptionId,
            requestId: orderRequestId(found.migrationId, "ea-1"),
          },
        },
      ],
    });
    expect((await originalOf(found.customerId))?.status).toBe("expired");
    const history = await readHistory(http.store(), found.customerId, { kind: "subscription", id: "ea-1" });
    expect(history.map((entry) => entry.to)).toEqual(["expired"]);
  });

  it("an item the processor could not finish buying: the sweep buys it with the same MS-RequestId, once", async () => {
    const found = await world(["ea-1"]);
    await accept(found);
    const migrationId = await submitMigration(found, ["ea-1"]);
    const [decision] = await http.drain(QUEUES.migrations);
    await partnerCenter.control("faults", { status: 429, count: 1, path: "/checkout$" });
    await expect(processMigrationMessage(decision?.body, context())).rejects.toThrow(/429/);
    expect((await migrationOf(migrationId)).items[0]?.execution).toBe("ordering");

    const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    await deliver(message);
    // The processor's redelivery comes after: the item is ordered, nothing is asked again.
    await processMigrationMessage(decision?.body, context());

    expect(ordersOf(found.tenantId)).toHaveLength(1);
    expect(await migrationOf(migrationId)).toMatchObject({
      status: "completed",
      items: [{ status: "original-expired", execution: "ordered" }],
    });
    // One cart for the item (the sweep's create answered the processor's), checked out once.
    expect(purchasesAs(found.tenantId).map((line) => line.replace(/carts\/[^/]+/, "carts/{id}"))).toEqual([
      `POST /v1/customers/${found.customerId}/carts 201`,
      `POST /v1/customers/${found.customerId}/carts/{id}/checkout 429`,
      `POST /v1/customers/${found.customerId}/carts 201`,
      `POST /v1/customers/${found.customerId}/carts/{id}/checkout 201`,
    ]);
    expect(
      new Set(
        partnerCenter
          .pc()
          .requests()
          .filter((r) => r.path.endsWith("/checkout") && r.partnerTenantId === found.tenantId)
          .map((r) => r.path),
      ).size,
    ).toBe(1);
  });

  it("a crash between checkout and the table write: the original stays; the redelivery records the same order, then expires it", async () => {
    const found = await waitingForTermEnd();
    const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    const requestId = orderRequestId(found.migrationId, "ea-1");
    const fired = await withTableWriteFault(import.meta.url, requestId, async () => {
      await expect(deliver(message)).rejects.toThrow(/injected fault/);
    });
    expect(fired).toBe(1);
    expect(ordersOf(found.tenantId)).toHaveLength(1);
    expect((await migrationOf(found.migrationId)).items[0]).toMatchObject({
      status: "provisioned",
      execution: "ordering",
    });
    expect((await originalOf(found.customerId))?.status).toBe("active");

    await deliver(message);
    const [order, ...more] = ordersOf(found.tenantId);
    expect(more).toEqual([]);
    expect(await migrationOf(found.migrationId)).toMatchObject({
      status: "completed",
      items: [{ status: "original-expired", execution: "ordered", order: { id: order?.id, requestId } }],
    });
    expect((await originalOf(found.customerId))?.status).toBe("expired");
    // Asked twice with the same MS-RequestId: the same cart, and its checkout answered the first order.
    expect(purchasesAs(found.tenantId).map((line) => line.replace(/carts\/[^/]+/, "carts/{id}"))).toEqual([
      `POST /v1/customers/${found.customerId}/carts 201`,
      `POST /v1/customers/${found.customerId}/carts/{id}/checkout 201`,
      `POST /v1/customers/${found.customerId}/carts 201`,
      `POST /v1/customers/${found.customerId}/carts/{id}/checkout 201`,
    ]);
  });

  it("throttled (429): the message is scheduled again after Retry-After, the next night still finds the customer, one order", async () => {
    const found = await waitingForTermEnd();
    const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    await partnerCenter.control("faults", {
      status: 429,
      retryAfterSeconds: 1,
      count: 1,
      path: "/checkout$",
    });
    const lines = await deliver(message);
    expect(lines.join("\n")).toMatch(
      /answered 429.*delivered again in 1\.00 s at .* \(Retry-After; attempt 2 of/,
    );
    expect(scheduledSweeps()).toBe(1);
    expect((await migrationOf(found.migrationId)).items[0]?.execution).toBe("ordering");
    expect((await originalOf(found.customerId))?.status).toBe("active");
    expect(ordersOf(found.tenantId)).toEqual([]);

    // Catch-up: the next night's run queues the customer, the due index still naming it.
    const [nextNight] = await queuedSweepOf(found.customerId, NEXT_NIGHT);
    expect(nextNight).toBeDefined();
    await vi.waitFor(() => {
      expect(scheduledSweeps()).toBe(0);
    });
    const [retry, ...more] = await received(found.customerId);
    expect(more).toEqual([]);
    expect(sweepMessageSchema.parse(retry?.body)).toMatchObject({ asOf: AFTER_TERM_END });
    expect(retry?.applicationProperties).toMatchObject({ redeliveryAttempt: 2 });
    await deliver(retry);
    await deliver(nextNight);

    expect(ordersOf(found.tenantId)).toHaveLength(1);
    expect(await migrationOf(found.migrationId)).toMatchObject({
      status: "completed",
      items: [
        { status: "original-expired", execution: "ordered", order: { id: ordersOf(found.tenantId)[0]?.id } },
      ],
    });
    expect((await originalOf(found.customerId))?.status).toBe("expired");
  });

  it("a 5xx on the night's last delivery: nothing more is scheduled, the original stays, the next night buys it", async () => {
    const found = await waitingForTermEnd();
    const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    // The night's last delivery, as its scheduled copy carries it.
    const last = {
      body: message?.body as unknown,
      applicationProperties: {
        redeliveryAttempt: runtime().config.PARTNER_CENTER_RETRY_ATTEMPTS,
        redeliveryFirstFailedAt: new Date().toISOString(),
      },
    };
    await partnerCenter.control("faults", { status: 503, count: 1, path: "/carts$" });
    const lines = await deliver(last);
    expect(lines.join("\n")).toMatch(/answered 503.*left to the next night's sweep/);
    expect(scheduledSweeps()).toBe(0);
    expect((await originalOf(found.customerId))?.status).toBe("active");

    const [nextNight] = await queuedSweepOf(found.customerId, NEXT_NIGHT);
    await deliver(nextNight);
    expect(ordersOf(found.tenantId)).toHaveLength(1);
    expect((await migrationOf(found.migrationId)).status).toBe("completed");
    expect((await originalOf(found.customerId))?.status).toBe("expired");
  });
});

describe("live mode: an order the sweep cannot place keeps the original (MIG-9)", () => {
  it("refused at checkout: the item records Partner Center's answer, the original stays, the migration waits", async () => {
    const found = await waitingForTermEnd();
    const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    await partnerCenter.control("faults", { status: 400, count: 1, path: "/checkout$" });
    const lines = await deliver(message);
    expect(lines.join("\n")).toContain("ea-1: not bought: Partner Center refused the order");

    const migration = await migrationOf(found.migrationId);
    expect(migration).toMatchObject({
      status: "awaiting-term-end",
      items: [{ status: "provisioned", execution: "order-failed", orderError: { status: 400 } }],
    });
    // Partner Center's code and description, as it answered them.
    expect(migration.items[0]?.orderError?.message).toMatch(
      /"code":400,"description":"Injected by the local Partner Center/,
    );
    expect((await originalOf(found.customerId))?.status).toBe("active");
    expect(ordersOf(found.tenantId)).toEqual([]);

    // The next night: still due, reported for an operator, nothing asked of Partner Center again.
    const asked = purchasesAs(found.tenantId).length;
    const [nextNight] = await queuedSweepOf(found.customerId, NEXT_NIGHT);
    const again = await deliver(nextNight);
    expect(again.join("\n")).toMatch(/MIG-9: .*ea-1 was not bought.*the original is kept/);
    expect(purchasesAs(found.tenantId)).toHaveLength(asked);
    expect((await originalOf(found.customerId))?.status).toBe("active");
  });

  it("an offer without Partner Center's catalog item: nothing is asked, the original stays", async () => {
    const found = await waitingForTermEnd(false);
    const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
    await deliver(message);
    expect((await migrationOf(found.migrationId)).items[0]).toMatchObject({
      execution: "order-failed",
      orderError: { status: null, rule: "MIG-1" },
    });
    expect((await originalOf(found.customerId))?.status).toBe("active");
    expect(purchasesAs(found.tenantId)).toEqual([]);
  });
});

describe("records mode: the sweep buys nothing", () => {
  it("provisions and expires at term end as a record; Partner Center is not asked", async () => {
    await inRecordsMode(async () => {
      const found = await world(["ea-1"]);
      await acceptAsCustomer(found);
      const migrationId = await submitMigration(found, ["ea-1"], { startAt: "term-end" });
      await processQueues();
      const [message] = await queuedSweepOf(found.customerId, AFTER_TERM_END);
      await deliver(message);
      expect(await migrationOf(migrationId)).toMatchObject({
        status: "completed",
        items: [{ status: "original-expired", execution: "recorded" }],
      });
      expect((await migrationOf(migrationId)).items[0]?.order).toBeUndefined();
      expect((await originalOf(found.customerId))?.status).toBe("expired");
      expect(partnerCenter.requestsAs(found.tenantId)).toEqual([]);
    });
  });
});
