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
import {
  acceptInPartnerCenter,
  linkLocalPartner,
  partnerCenterControl,
  partnerCenterOrders,
  partnerCenterRequests,
  type LocalPartnerCenterState,
} from "../../local/partner-center/index.js";
import type { PlacedOrder } from "../../local/partner-center/server.js";
import type { LocalStack } from "../../local/stack.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import {
  migrationViewSchema,
  relationshipViewSchema,
  type MigrationView,
  type RelationshipView,
} from "../../shared/http/views.js";
import { loadCustomerState } from "../../shared/storage/index.js";
import { customerBody, partnerBody, subscriptionBody } from "../setup/bodies.js";
import { uniqueId } from "../setup/tables.js";
import {
  call,
  issuePartnerKey,
  operatorOf,
  queuesWorkedOff,
  stackTables,
  startTestStack,
  waitFor,
  type SigningKey,
} from "./helpers.js";
import { hostProcess } from "./hostProcess.js";

const sold = { catalogItemId: "CFQ7TTC0TEST:0001:CFQ7TTC0SKU1", termDuration: "P1Y", billingCycle: "annual" };
const actor = { userId: "alex@contoso.example", role: "sales-agent" };

const host = hostProcess();
const invocations: Extract<HostLogEntry, { kind: "invocation" }>[] = [];
let stack: LocalStack;
let closeStack: () => Promise<void>;
let pc: LocalPartnerCenterState;
let offerId: string;

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack(
    (entry) => {
      if (entry.kind === "invocation") invocations.push(entry);
    },
    { startHost: host.start, queues: { lockDuration: "PT2S" } },
  ));
  if (stack.partnerCenter === undefined) throw new Error("the stack started no local Partner Center");
  pc = stack.partnerCenter;
  offerId = uniqueId("e3");
  const offer = await call(stack.baseUrl, operatorOf(stack), "PUT", `offers/${offerId}`, {
    name: "Office 365 E3",
    kind: "license",
    discontinued: false,
    equivalentOfferIds: [],
    partnerCenter: sold,
  });
  expect(offer.status, JSON.stringify(offer.body)).toBe(201);
});

afterAll(async () => {
  await closeStack();
});

interface Partner {
  partnerId: string;
  tenantId: string;
  key: SigningKey;
}

interface Customer {
  customerId: string;
  relationshipId: string;
}

/** A partner connected to its tenant in the local Partner Center, registered by the operator, with its key. */
async function aPartner(): Promise<Partner> {
  const partnerId = uniqueId("contoso");
  const { link, tenantId } = await linkLocalPartner({
    partnerCenterUrl: pc.url,
    secretsFile: pc.secretsFile,
    partnerId,
    webhookUrl: new URL(`partner-center/events/${partnerId}`, stack.baseUrl).href,
    tenantId: uniqueId("tenant"),
  });
  const operator = operatorOf(stack);
  const stored = await call(stack.baseUrl, operator, "PUT", `partners/${partnerId}`, {
    ...partnerBody,
    partnerCenter: link,
  });
  expect(stored.status, JSON.stringify(stored.body)).toBe(201);
  return { partnerId, tenantId, key: await issuePartnerKey(stack.baseUrl, operator, partnerId) };
}

/** The partner's new customer with these subscriptions, and its relationship request, worked off. */
async function invited(
  partner: Partner,
  subscriptions: Record<string, Record<string, unknown>> = {},
  delegatedAdmin = false,
): Promise<Customer> {
  const customerId = uniqueId("fabrikam");
  const customer = await call(stack.baseUrl, partner.key, "PUT", `customers/${customerId}`, customerBody);
  expect(customer.status, JSON.stringify(customer.body)).toBe(201);
  for (const [subscriptionId, fields] of Object.entries(subscriptions)) {
    const path = `customers/${customerId}/subscriptions/${subscriptionId}`;
    const stored = await call(stack.baseUrl, partner.key, "PUT", path, { ...subscriptionBody, ...fields });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
  }
  const requested = await call(stack.baseUrl, partner.key, "POST", "relationship-requests", {
    partnerId: partner.partnerId,
    customerId,
    actor,
    delegatedAdmin,
  });
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  await queuesWorkedOff(stack);
  return { customerId, relationshipId: (requested.body as { id: string }).id };
}

/** A customer of the partner who accepted it in Partner Center, with EA licences of the sold offer. */
async function accepted(partner: Partner, subscriptionIds: readonly string[]): Promise<Customer> {
  const customer = await invited(partner, Object.fromEntries(subscriptionIds.map((id) => [id, { offerId }])));
  expect((await acceptInPartnerCenter(pc.url, customer.customerId, partner.tenantId)).status).toBe(202);
  await waitFor(
    () => relationshipOf(partner, customer),
    (view) => view.status === "active",
  );
  return customer;
}

async function relationshipOf(partner: Partner, customer: Customer): Promise<RelationshipView> {
  const answer = await call(stack.baseUrl, partner.key, "GET", `relationships/${customer.relationshipId}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return relationshipViewSchema.parse(answer.body);
}

async function migrate(
  partner: Partner,
  customer: Customer,
  subscriptionIds: readonly string[],
): Promise<string> {
  const requested = await call(stack.baseUrl, partner.key, "POST", "migrations", {
    partnerId: partner.partnerId,
    customerId: customer.customerId,
    actor: { userId: "bob@contoso.example", role: "account-admin" },
    items: subscriptionIds.map((subscriptionId) => ({ subscriptionId, cancelOriginal: "at-term-end" })),
  });
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  return (requested.body as { id: string }).id;
}

async function migrationOf(partner: Partner, id: string): Promise<MigrationView> {
  const answer = await call(stack.baseUrl, partner.key, "GET", `migrations/${id}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return migrationViewSchema.parse(answer.body);
}

/** The orders the local Partner Center made for the customer. */
async function ordersOf(customer: Customer): Promise<PlacedOrder[]> {
  return (await partnerCenterOrders(pc.url)).filter((order) => order.customerId === customer.customerId);
}

/** What the service asked of the local Partner Center as this partner: "METHOD path status[ lost]", carts as {cart}. */
async function askedAs(partner: Partner): Promise<string[]> {
  return (await partnerCenterRequests(pc.url))
    .filter((request) => request.partnerTenantId === partner.tenantId)
    .map((request) =>
      [
        request.method,
        decodeURIComponent(request.path.replaceAll("+", "%20")).replace(/carts\/[^/]+/, "carts/{cart}"),
        request.status,
        ...(request.lost === undefined ? [] : [request.lost]),
      ].join(" "),
    );
}

const purchasesAs = async (partner: Partner) =>
  (await askedAs(partner)).filter((line) => line.includes("/carts"));

const failedMigrationInvocations = () =>
  invocations.filter(
    (entry) => entry.functionName === "processMigrationMessage" && entry.outcome === "Failed",
  ).length;

describe("live mode: the invitation is made in the local Partner Center and shown", () => {
  it("delegated admin asked: the reseller link and a GDAP relationship locked for approval", async () => {
    const partner = await aPartner();
    const customer = await invited(partner, {}, true);
    const relationship = await relationshipOf(partner, customer);
    expect(relationship.status).toBe("pending");
    const invitation = relationship.invitation;
    expect(new URL(invitation?.resellerRelationshipUrl ?? "").searchParams.get("partnerId")).toBe(
      partner.tenantId,
    );
    const gdap = (
      (await (await fetch(`${pc.url}/_control/delegated-admin`)).json()) as Record<string, unknown>[]
    ).filter((found) => found.partnerTenantId === partner.tenantId);
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
    expect(await askedAs(partner)).toEqual([
      "GET /v1/customers/relationshiprequests 200",
      `GET /v1.0/tenantRelationships/delegatedAdminRelationships?$filter=displayName eq '${name}' 200`,
      "POST /v1.0/tenantRelationships/delegatedAdminRelationships 201",
      `POST /v1.0/tenantRelationships/delegatedAdminRelationships/${String(gdap[0]?.id)}/requests 201`,
    ]);
  });
});

describe("live mode: a migration buys each licence item once", () => {
  it("one cart and one checkout per item; the orders on the items", async () => {
    const partner = await aPartner();
    const customer = await accepted(partner, ["ea-1", "ea-2"]);
    const migrationId = await migrate(partner, customer, ["ea-1", "ea-2"]);
    await queuesWorkedOff(stack);
    const orders = await ordersOf(customer);
    expect(orders.map((order) => order.lineItems.map(({ subscriptionId: _, ...line }) => line))).toEqual([
      [{ catalogItemId: sold.catalogItemId, quantity: subscriptionBody.seats }],
      [{ catalogItemId: sold.catalogItemId, quantity: subscriptionBody.seats }],
    ]);
    const migration = await migrationOf(partner, migrationId);
    expect(
      migration.items.map((item) => [item.execution, item.order?.id, item.order?.subscriptionId]),
    ).toEqual(orders.map((order) => ["ordered", order.id, order.lineItems[0]?.subscriptionId]));
    const cart = `POST /v1/customers/${customer.customerId}/carts 201`;
    const checkout = `POST /v1/customers/${customer.customerId}/carts/{cart}/checkout 201`;
    expect(await purchasesAs(partner)).toEqual([cart, checkout, cart, checkout]);
  });

  it("delivered 3 times (the host abandons it twice, the checkouts' answers lost): one order, recorded", async () => {
    const partner = await aPartner();
    const customer = await accepted(partner, ["ea-1"]);
    const failedBefore = failedMigrationInvocations();
    // Each checkout is made, then its answer dropped: the function throws and the host abandons the message.
    await partnerCenterControl(pc.url, "faults", { answer: "drop", count: 2, path: "/checkout$" });
    const migrationId = await migrate(partner, customer, ["ea-1"]);
    await queuesWorkedOff(stack);
    expect(failedMigrationInvocations() - failedBefore).toBe(2);
    const [order, ...more] = await ordersOf(customer);
    expect(more).toEqual([]);
    expect((await migrationOf(partner, migrationId)).items[0]).toMatchObject({
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
    const partner = await aPartner();
    const customer = await accepted(partner, ["ea-1"]);
    // The checkout is made; its answer never comes, and the host is killed (SIGKILL) while it waits.
    await partnerCenterControl(pc.url, "faults", { answer: "hold", count: 1, path: "/checkout$" });
    const migrationId = await migrate(partner, customer, ["ea-1"]);
    await waitFor(
      () => ordersOf(customer),
      (orders) => orders.length === 1,
    );
    await host.kill();
    // The host is gone: the table, read directly, says the decision was written and the order was not.
    const state = await loadCustomerState(stackTables(stack), customer.customerId);
    expect(state.migrations.get(migrationId)?.value.items[0]?.execution).toBe("ordering");
    await host.restart();
    const item = await waitFor(
      async () => (await migrationOf(partner, migrationId)).items[0],
      (found) => found?.execution !== "ordering",
      { timeoutMs: 30_000 },
    );
    const [order, ...more] = await ordersOf(customer);
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
    const partner = await aPartner();
    const customers = await Promise.all(Array.from({ length: 10 }, () => accepted(partner, ["ea-1"])));
    const deadBefore = stack.serviceBus.kind === "started" ? stack.serviceBus.stats().entities : {};
    // Every other cart or checkout call throttled, 9 in all: fewer than a message's 10 deliveries.
    await partnerCenterControl(pc.url, "faults", {
      status: 429,
      retryAfterSeconds: 1,
      every: 2,
      count: 9,
      path: "/carts",
    });
    const migrationIds = await Promise.all(customers.map((customer) => migrate(partner, customer, ["ea-1"])));
    await queuesWorkedOff(stack);
    const purchases = await purchasesAs(partner);
    expect(purchases.filter((line) => line.endsWith(" 429"))).toHaveLength(9);
    for (const [index, customer] of customers.entries()) {
      const [order, ...more] = await ordersOf(customer);
      expect(more, customer.customerId).toEqual([]);
      const migration = await migrationOf(partner, migrationIds[index] ?? "");
      expect(migration.items[0]).toMatchObject({ execution: "ordered", order: { id: order?.id } });
    }
    const deadAfter = stack.serviceBus.kind === "started" ? stack.serviceBus.stats().entities : {};
    expect(deadAfter[QUEUES.migrations]?.deadLettered).toBe(deadBefore[QUEUES.migrations]?.deadLettered);
  });
});

describe("MIDTERM_LICENSE_TRANSFERS, both settings, through the host (MC-3)", () => {
  it("off: another CSP partner's licence mid-term is refused (MC-3); on: it takes the path license-transfer", async () => {
    const partner = await aPartner();
    const otherPartnersLicence = { "csp-1": { offerId, channel: "csp", partnerOfRecord: "another-csp" } };
    const transfer = async () => {
      const customer = await invited(partner, otherPartnersLicence);
      expect((await acceptInPartnerCenter(pc.url, customer.customerId, partner.tenantId)).status).toBe(202);
      await waitFor(
        () => relationshipOf(partner, customer),
        (view) => view.status === "active",
      );
      const migrationId = await migrate(partner, customer, ["csp-1"]);
      await queuesWorkedOff(stack);
      return migrationOf(partner, migrationId);
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
