/**
 * What the service does in Partner Center, through the whole local stack in `live` mode — the
 * Functions host as a process of its own (so it can be killed), Azurite, the Service Bus emulator
 * (locks of 2 s, so a killed host's message comes back soon) and the local Partner Center, every call
 * real HTTP with the partner's own key: the invitation (reseller link and GDAP relationship) made and
 * shown; a migration's licence items bought once each — under real redelivery (the host abandons the
 * message), after the host is killed between checkout and the table write, through a 429 storm — and
 * both settings of MIDTERM_LICENSE_TRANSFERS. "Once" is counted in the local Partner Center: its
 * orders and its request log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HostLogEntry } from "../../local/host/index.js";
import { partnerCenterControl } from "../../local/partner-center/index.js";
import type { LocalStack } from "../../local/stack.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { loadCustomerState } from "../../shared/storage/index.js";
import { subscriptionBody } from "../setup/bodies.js";
import { queuesWorkedOff, stackTables, startTestStack, waitFor } from "./helpers.js";
import { hostProcess } from "./hostProcess.js";
import { liveWorld, SOLD, type LiveWorld, type Partner } from "./liveWorld.js";

const host = hostProcess();
const invocations: Extract<HostLogEntry, { kind: "invocation" }>[] = [];
let stack: LocalStack;
let closeStack: () => Promise<void>;
let world: LiveWorld;

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack(
    (entry) => {
      if (entry.kind === "invocation") invocations.push(entry);
    },
    { startHost: host.start, queues: { lockDuration: "PT2S" } },
  ));
  world = await liveWorld(stack);
});

afterAll(async () => {
  await closeStack();
});

const purchasesAs = async (partner: Partner) =>
  (await world.askedAs(partner)).filter((line) => line.includes("/carts"));

const failedMigrationInvocations = () =>
  invocations.filter(
    (entry) => entry.functionName === "processMigrationMessage" && entry.outcome === "Failed",
  ).length;

describe("live mode: the invitation is made in the local Partner Center and shown", () => {
  it("delegated admin asked: the reseller link and a GDAP relationship locked for approval", async () => {
    const partner = await world.aPartner();
    const customer = await world.invited(partner, {}, true);
    const relationship = await world.relationshipOf(partner, customer);
    expect(relationship.status).toBe("pending");
    const invitation = relationship.invitation;
    expect(new URL(invitation?.resellerRelationshipUrl ?? "").searchParams.get("partnerId")).toBe(
      partner.tenantId,
    );
    const gdap = await world.delegatedAdminOf(partner);
    expect(gdap).toMatchObject([
      {
        id: invitation?.delegatedAdmin?.id,
        displayName: invitation?.delegatedAdmin?.displayName,
        status: "approvalPending",
        customer: { tenantId: customer.customerId },
      },
    ]);
    expect(invitation?.delegatedAdmin?.approvalUrl).toContain(String(gdap[0]?.id));
    const name = invitation?.delegatedAdmin?.displayName ?? "";
    expect(await world.askedAs(partner)).toEqual([
      "GET /v1/customers/relationshiprequests 200",
      `GET /v1.0/tenantRelationships/delegatedAdminRelationships?$filter=displayName eq '${name}' 200`,
      "POST /v1.0/tenantRelationships/delegatedAdminRelationships 201",
      `POST /v1.0/tenantRelationships/delegatedAdminRelationships/${String(gdap[0]?.id)}/requests 201`,
    ]);
  });
});

describe("live mode: a migration buys each licence item once", () => {
  it("one cart and one checkout per item; the orders on the items", async () => {
    const partner = await world.aPartner();
    const customer = await world.accepted(partner, ["ea-1", "ea-2"]);
    const migrationId = await world.migrate(partner, customer, ["ea-1", "ea-2"]);
    await queuesWorkedOff(stack);
    const orders = await world.ordersOf(customer);
    expect(orders.map((order) => order.lineItems.map(({ subscriptionId: _, ...line }) => line))).toEqual([
      [{ catalogItemId: SOLD.catalogItemId, quantity: subscriptionBody.seats }],
      [{ catalogItemId: SOLD.catalogItemId, quantity: subscriptionBody.seats }],
    ]);
    const migration = await world.migrationOf(partner, migrationId);
    expect(
      migration.items.map((item) => [item.execution, item.order?.id, item.order?.subscriptionId]),
    ).toEqual(orders.map((order) => ["ordered", order.id, order.lineItems[0]?.subscriptionId]));
    const cart = `POST /v1/customers/${customer.customerId}/carts 201`;
    const checkout = `POST /v1/customers/${customer.customerId}/carts/{cart}/checkout 201`;
    expect(await purchasesAs(partner)).toEqual([cart, checkout, cart, checkout]);
  });

  it("delivered 3 times (the host abandons it twice, the checkouts' answers lost): one order, recorded", async () => {
    const partner = await world.aPartner();
    const customer = await world.accepted(partner, ["ea-1"]);
    const failedBefore = failedMigrationInvocations();
    // Each checkout is made, then its answer dropped: the function throws and the host abandons the message.
    await partnerCenterControl(world.pc.url, "faults", { answer: "drop", count: 2, path: "/checkout$" });
    const migrationId = await world.migrate(partner, customer, ["ea-1"]);
    await queuesWorkedOff(stack);
    expect(failedMigrationInvocations() - failedBefore).toBe(2);
    const [order, ...more] = await world.ordersOf(customer);
    expect(more).toEqual([]);
    expect((await world.migrationOf(partner, migrationId)).items[0]).toMatchObject({
      execution: "ordered",
      order: { id: order?.id, subscriptionId: order?.lineItems[0]?.subscriptionId },
    });
    const cart = `POST /v1/customers/${customer.customerId}/carts 201`;
    const checkout = `POST /v1/customers/${customer.customerId}/carts/{cart}/checkout 201`;
    expect(await purchasesAs(partner)).toEqual([
      cart,
      `${checkout} dropped`,
      cart,
      `${checkout} dropped`,
      cart,
      checkout,
    ]);
  });

  it("the host killed between checkout and the table write: after the lock expires, the one order is recorded", async () => {
    const partner = await world.aPartner();
    const customer = await world.accepted(partner, ["ea-1"]);
    // The checkout is made; its answer never comes, and the host is killed (SIGKILL) while it waits.
    await partnerCenterControl(world.pc.url, "faults", { answer: "hold", count: 1, path: "/checkout$" });
    const migrationId = await world.migrate(partner, customer, ["ea-1"]);
    await waitFor(
      () => world.ordersOf(customer),
      (orders) => orders.length === 1,
    );
    await host.kill();
    // The host is gone: the table, read directly, says the decision was written and the order was not.
    const state = await loadCustomerState(stackTables(stack), customer.customerId);
    expect(state.migrations.get(migrationId)?.value.items[0]?.execution).toBe("ordering");
    await host.restart();
    const item = await waitFor(
      async () => (await world.migrationOf(partner, migrationId)).items[0],
      (found) => found?.execution !== "ordering",
      { timeoutMs: 30_000 },
    );
    const [order, ...more] = await world.ordersOf(customer);
    expect(more).toEqual([]);
    expect(item).toMatchObject({
      execution: "ordered",
      order: { id: order?.id, subscriptionId: order?.lineItems[0]?.subscriptionId },
    });
    const cart = `POST /v1/customers/${customer.customerId}/carts 201`;
    const checkout = `POST /v1/customers/${customer.customerId}/carts/{cart}/checkout 201`;
    expect(await purchasesAs(partner)).toEqual([cart, `${checkout} held`, cart, checkout]);
  });

  it("a 429 storm over 10 migrations: every one completes, each item bought once", async () => {
    const partner = await world.aPartner();
    const customers = await Promise.all(Array.from({ length: 10 }, () => world.accepted(partner, ["ea-1"])));
    const deadBefore = stack.serviceBus.kind === "started" ? stack.serviceBus.stats().entities : {};
    // Every other cart or checkout call throttled, 9 in all: fewer than a message's 10 deliveries.
    await partnerCenterControl(world.pc.url, "faults", {
      status: 429,
      retryAfterSeconds: 1,
      every: 2,
      count: 9,
      path: "/carts",
    });
    const migrationIds = await Promise.all(
      customers.map((customer) => world.migrate(partner, customer, ["ea-1"])),
    );
    await queuesWorkedOff(stack);
    const purchases = await purchasesAs(partner);
    expect(purchases.filter((line) => line.endsWith(" 429"))).toHaveLength(9);
    for (const [index, customer] of customers.entries()) {
      const [order, ...more] = await world.ordersOf(customer);
      expect(more, customer.customerId).toEqual([]);
      const migration = await world.migrationOf(partner, migrationIds[index] ?? "");
      expect(migration.items[0]).toMatchObject({ execution: "ordered", order: { id: order?.id } });
    }
    const deadAfter = stack.serviceBus.kind === "started" ? stack.serviceBus.stats().entities : {};
    expect(deadAfter[QUEUES.migrations]?.deadLettered).toBe(deadBefore[QUEUES.migrations]?.deadLettered);
  });
});

describe("MIDTERM_LICENSE_TRANSFERS, both settings, through the host (MC-3)", () => {
  it("off: another CSP partner's licence mid-term is refused (MC-3); on: it takes the path license-transfer", async () => {
    const partner = await world.aPartner();
    const otherPartnersLicence = {
      "csp-1": { offerId: world.offerId, channel: "csp", partnerOfRecord: "another-csp" },
    };
    const transfer = async () => {
      const customer = await world.invited(partner, otherPartnersLicence);
      await world.accept(partner, customer);
      const migrationId = await world.migrate(partner, customer, ["csp-1"]);
      await queuesWorkedOff(stack);
      return world.migrationOf(partner, migrationId);
    };

    const off = await transfer();
    expect(off.status).toBe("rejected");
    expect(off.items[0]?.path).toBe("license-move");
    expect(off.items[0]?.violations.map((found) => found.rule)).toEqual(["MC-3"]);

    await host.restart({ MIDTERM_LICENSE_TRANSFERS: "true" });
    const on = await transfer();
    expect(on.status).not.toBe("rejected");
    expect(on.items[0]?.path).toBe("license-transfer");
    expect(on.items[0]?.violations).toEqual([]);
  });
});
