/**
 * What the service does in Partner Center, through the whole local stack in `live` mode — the
 * Functions host as a process of its own (so it can be killed), Azurite, the Service Bus emulator
 * (locks of 2 s, so a killed host's message comes back soon) and the local Partner Center, every call
 * real HTTP with the partner's own key: the invitation (reseller link and GDAP relationship) made and
 * shown; a migration's licence items bought once each — asked again later when the checkouts' answers
 * are lost, after the host is killed between checkout and the table write, through a 429 storm longer
 * than the queue's deliveries (Retry-After honoured) — and both settings of MIDTERM_LICENSE_TRANSFERS.
 * "Once" is counted in the local Partner Center: its orders and its request log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HostLogEntry } from "../../local/host/index.js";
import { partnerCenterControl, partnerCenterRequests } from "../../local/partner-center/index.js";
import { loadTopology } from "../../local/servicebus/index.js";
import type { LocalStack } from "../../local/stack.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { loadCustomerState } from "../../shared/storage/index.js";
import { subscriptionBody } from "../setup/bodies.js";
import { queuesWorkedOff, stackTables, startTestStack, waitFor } from "./helpers.js";
import { hostProcess } from "./hostProcess.js";
import { liveWorld, SOLD, type LiveWorld, type Partner } from "./liveWorld.js";

const host = hostProcess();
const invocations: Extract<HostLogEntry, { kind: "invocation" }>[] = [];
const lines: string[] = [];
let stack: LocalStack;
let closeStack: () => Promise<void>;
let world: LiveWorld;

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack(
    (entry) => {
      if (entry.kind === "invocation") invocations.push(entry);
      else if (entry.kind === "function") lines.push(entry.message);
    },
    {
      startHost: host.start,
      queues: { lockDuration: "PT2S" },
      // Small back-offs; enough deliveries for the storm below.
      env: {
        PARTNER_CENTER_RETRY_FIRST_SECONDS: "0.2",
        PARTNER_CENTER_RETRY_MAX_SECONDS: "1",
        PARTNER_CENTER_RETRY_ATTEMPTS: "25",
      },
    },
  ));
  world = await liveWorld(stack);
});

afterAll(async () => {
  await closeStack();
});

/** Customers the 429 storm throttles together. */
const STORM_CUSTOMERS = 4;

const emulatorEntities = () => (stack.serviceBus.kind === "started" ? stack.serviceBus.stats().entities : {});

const purchasesAs = async (partner: Partner) =>
  (await world.askedAs(partner)).filter((line) => line.includes("/carts"));

const failedMigrationInvocations = () =>
  invocations.filter(
    (entry) => entry.functionName === "processMigrationMessage" && entry.outcome === "Failed",
  ).length;

/** The host's lines saying a migration message is to be delivered again later (queueTrigger.ts). */
const migrationsAskedLater = () =>
  lines.filter(
    (line) => line.startsWith(`${QUEUES.migrations} message `) && line.includes("delivered again in"),
  );

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

  it("delivered 3 times (the checkouts' answers lost, asked again later twice): one order, recorded", async () => {
    const partner = await world.aPartner();
    const customer = await world.accepted(partner, ["ea-1"]);
    const failedBefore = failedMigrationInvocations();
    const laterBefore = migrationsAskedLater().length;
    // Each checkout is made, then its answer dropped: not answered, so the message is sent again, scheduled.
    await partnerCenterControl(world.pc.url, "faults", { answer: "drop", count: 2, path: "/checkout$" });
    const migrationId = await world.migrate(partner, customer, ["ea-1"]);
    await waitFor(
      async () => (await world.migrationOf(partner, migrationId)).items[0]?.execution,
      (execution) => execution === "ordered",
    );
    await queuesWorkedOff(stack);
    expect(failedMigrationInvocations() - failedBefore).toBe(0);
    expect(migrationsAskedLater().slice(laterBefore)).toEqual([
      expect.stringMatching(/did not answer.*back-off; attempt 2 of/),
      expect.stringMatching(/did not answer.*back-off; attempt 3 of/),
    ]);
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

  it("a 429 storm longer than the queue's deliveries: each throttled call asked again after Retry-After, every migration bought once", async () => {
    const partner = await world.aPartner();
    const customers = await Promise.all(
      Array.from({ length: STORM_CUSTOMERS }, () => world.accepted(partner, ["ea-1"])),
    );
    const deadBefore = emulatorEntities()[QUEUES.migrations]?.deadLettered;
    const deliveries =
      loadTopology().queues.find((queue) => queue.name === QUEUES.migrations)?.maxDeliveryCount ?? 0;
    // Every cart or checkout call throttled, Retry-After 1 s, until a customer's one message has been
    // throttled more often than Service Bus would deliver it.
    const throttled = STORM_CUSTOMERS * (deliveries + 2);
    await partnerCenterControl(world.pc.url, "faults", {
      status: 429,
      retryAfterSeconds: 1,
      count: throttled,
      path: "/carts",
    });
    const migrationIds = await Promise.all(
      customers.map((customer) => world.migrate(partner, customer, ["ea-1"])),
    );
    for (const migrationId of migrationIds)
      await waitFor(
        async () => (await world.migrationOf(partner, migrationId)).items[0]?.execution,
        (execution) => execution === "ordered",
        { timeoutMs: 60_000 },
      );
    await queuesWorkedOff(stack);

    const asked = (await partnerCenterRequests(world.pc.url)).filter(
      (request) => request.partnerTenantId === partner.tenantId && request.path.includes("/carts"),
    );
    expect(asked.filter((request) => request.status === 429)).toHaveLength(throttled);
    let longestRun = 0;
    for (const [index, customer] of customers.entries()) {
      const own = asked.filter((request) => request.path.includes(`/customers/${customer.customerId}/`));
      // Retry-After honoured: the call after each 429 came a second later or more (a timer may fire a millisecond early).
      const gaps = own.flatMap((request, at) => {
        const next = own[at + 1];
        return request.status === 429 && next !== undefined
          ? [Date.parse(next.at) - Date.parse(request.at)]
          : [];
      });
      expect(Math.min(...gaps), customer.customerId).toBeGreaterThanOrEqual(995);
      longestRun = Math.max(longestRun, own.filter((request) => request.status === 429).length);
      const [order, ...more] = await world.ordersOf(customer);
      expect(more, customer.customerId).toEqual([]);
      const migration = await world.migrationOf(partner, migrationIds[index] ?? "");
      expect(migration.items[0]).toMatchObject({ execution: "ordered", order: { id: order?.id } });
    }
    // One message throttled more often than the queue delivers one, and nothing dead-lettered.
    expect(longestRun).toBeGreaterThan(deliveries);
    expect(emulatorEntities()[QUEUES.migrations]?.deadLettered).toBe(deadBefore);
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
