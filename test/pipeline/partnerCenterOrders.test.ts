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

import { getMigration } from "../../functions/getMigration.js";
import { postAcceptance } from "../../functions/postAcceptance.js";
import { postMigration } from "../../functions/postMigration.js";
import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import { processMigrationMessage } from "../../functions/processMigrationMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putOffer } from "../../functions/putOffer.js";
import { putPartner } from "../../functions/putPartner.js";
import { putSubscription } from "../../functions/putSubscription.js";
import { resetConfigForTests } from "../../shared/config.js";
import { orderRequestId } from "../../shared/domain/index.js";
import { buildOpenApiDocument } from "../../shared/http/openapi.js";
import type { MigrationView } from "../../shared/http/views.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { resetRuntime } from "../../shared/pipeline/runtime.js";
import { asCustomer } from "../setup/callers.js";
import { uniqueId } from "../setup/tables.js";
import { customerBody, partnerBody, subscriptionBody } from "./http/reference.js";
import { usePartnerCenter } from "./http/partnerCenter.js";
import { call, usePipelineHttp } from "./http/support.js";
import { workOffQueues } from "./http/queues.js";

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "pc-orders", invocationId: "pc-orders" });
const actor = { userId: "ann@contoso", role: "global-admin" };
const sold = { catalogItemId: "CFQ7TTC0TEST:0001:CFQ7TTC0SKU1", termDuration: "P1Y", billingCycle: "annual" };

const processQueues = () => workOffQueues(http, context);

async function inRecordsMode(body: () => Promise<void>): Promise<void> {
  const mode = (value: string) => {
    process.env.PARTNER_CENTER_MODE = value;
    resetConfigForTests();
    resetRuntime();
  };
  mode("records");
  try {
    await body();
  } finally {
    mode("live");
  }
}

interface World {
  relationshipId: string;
  partnerId: string;
  customerId: string;
  tenantId: string;
  offerId: string;
}

/**
 * A partner linked to its tenant, a customer who accepted it as reseller in Partner Center (live
 * mode; in records mode through the service's own relationship), an offer (with Partner Center's
 * catalogue item unless `partnerCenterOffer` is false) and the customer's EA subscriptions of it.
 */
async function world(subscriptionIds: readonly string[], partnerCenterOffer = true): Promise<World> {
  const partnerId = uniqueId("contoso");
  const { link, tenantId } = await partnerCenter.link(partnerId);
  expect(
    (
      await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
        params: { partnerId },
        body: { ...partnerBody, partnerCenter: link },
      })
    ).status,
  ).toBe(201);
  const customerId = uniqueId("fabrikam");
  expect(
    (
      await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
        params: { customerId },
        body: customerBody,
      })
    ).status,
  ).toBe(201);
  const offerId = uniqueId("e3");
  const offer = await call(putOffer, "PUT", `/api/offers/${offerId}`, {
    params: { offerId },
    body: {
      name: "Office 365 E3",
      kind: "license",
      discontinued: false,
      equivalentOfferIds: [],
      ...(partnerCenterOffer ? { partnerCenter: sold } : {}),
    },
  });
  expect(offer.status, offer.text).toBe(201);
  for (const subscriptionId of subscriptionIds) {
    const stored = await call(
      putSubscription,
      "PUT",
      `/api/customers/${customerId}/subscriptions/${subscriptionId}`,
      { params: { customerId, subscriptionId }, body: { ...subscriptionBody, offerId } },
    );
    expect(stored.status, stored.text).toBe(201);
  }
  const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
    key: uniqueId("rel"),
    body: { partnerId, customerId, actor, delegatedAdmin: false },
  });
  expect(requested.status, requested.text).toBe(202);
  await processQueues();
  const relationshipId = (requested.body as { id: string }).id;
  return { relationshipId, partnerId, customerId, tenantId, offerId };
}

/** The customer accepts in Partner Center; its event makes the relationship active. */
async function accept(found: World): Promise<void> {
  await partnerCenter.control(`customers/${found.customerId}/accept`, { partnerTenantId: found.tenantId });
  await processQueues();
}

async function submitMigration(found: World, subscriptionIds: readonly string[]): Promise<string> {
  const requested = await call(postMigration, "POST", "/api/migrations", {
    key: uniqueId("mig"),
    body: {
      partnerId: found.partnerId,
      customerId: found.customerId,
      actor: { userId: "bob@contoso", role: "account-admin" },
      items: subscriptionIds.map((subscriptionId) => ({ subscriptionId, cancelOriginal: "at-term-end" })),
    },
  });
  expect(requested.status, requested.text).toBe(202);
  return (requested.body as { id: string }).id;
}

async function migrationOf(id: string): Promise<MigrationView> {
  const answer = await call(getMigration, "GET", `/api/migrations/${id}`, { params: { id } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as MigrationView;
}

/** The orders the local Partner Center made for this partner's tenant. */
const ordersOf = (tenantId: string) =>
  partnerCenter
    .pc()
    .orders()
    .filter((order) => order.partnerTenantId === tenantId);

/** The cart and checkout calls made as this partner: "METHOD path". */
const purchasesAs = (tenantId: string) =>
  partnerCenter
    .pc()
    .requests()
    .filter((request) => request.partnerTenantId === tenantId && request.path.includes("/carts"))
    .map((request) => `${request.method} ${request.path} ${String(request.status)}`);

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
    const schemas = (buildOpenApiDocument() as { components: { schemas: Record<string, unknown> } })
      .components.schemas;
    expect(JSON.stringify(schemas.LineItem)).toContain("LineItemOrder");
    expect(schemas.LineItemExecution).toMatchObject({
      enum: ["recorded", "ordering", "ordered", "order-failed"],
    });
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
      const accepted = await call(
        postAcceptance,
        "POST",
        `/api/relationships/${found.relationshipId}/acceptance`,
        {
          params: { id: found.relationshipId },
          key: uniqueId("answer"),
          as: await asCustomer(found.customerId, { user: "carol@fabrikam.example" }),
        },
      );
      expect(accepted.status, accepted.text).toBe(202);
      const migrationId = await submitMigration(found, ["ea-1"]);
      await processQueues();
      const migration = await migrationOf(migrationId);
      expect(migration.items.map((item) => [item.execution, item.order])).toEqual([["recorded", undefined]]);
      expect(
        partnerCenter
          .pc()
          .requests()
          .filter((request) => request.partnerTenantId === found.tenantId),
      ).toEqual([]);
    });
  });
});
