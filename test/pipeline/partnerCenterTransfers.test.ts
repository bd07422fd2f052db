/**
 * Live mode carries out Azure and transfers in Partner Center, through the real handlers, the
 * emulator and the local Partner Center (started for this file): a new Azure plan (MC-5) is bought
 * once with the cart flow; a subscription from another CSP partner (MC-6; MC-3 `license-transfer`) is
 * transferred once — under redelivery and after a crash between Partner Center's answer and the
 * table write — and followed by scheduled polls on the migration queue to `Complete`, or to a
 * terminal failure with Partner Center's code, or until the service stops waiting.
 */
import { InvocationContext } from "@azure/functions";
import { afterAll, describe, expect, it } from "vitest";

import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import { processMigrationMessage } from "../../functions/processMigrationMessage.js";
import { processSweepMessage } from "../../functions/processSweepMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putOffer } from "../../functions/putOffer.js";
import { putPartner } from "../../functions/putPartner.js";
import { putSubscription } from "../../functions/putSubscription.js";
import { TRANSFER_MAX_POLLS, transferRequestId } from "../../shared/domain/index.js";
import type { EventEnvelope } from "../../shared/events/catalogue.js";
import type { MigrationView } from "../../shared/http/views.js";
import {
  eventsCarried,
  partnerEventMessageSchema,
  QUEUES,
  sweepMessageSchema,
  type TransferPollMessage,
} from "../../shared/messaging/messages.js";
import { queueSweep } from "../../shared/pipeline/sweep.js";
import { uniqueId } from "../setup/tables.js";
import { acceptAsCustomer, liveOrders } from "./http/liveOrders.js";
import { usePartnerCenter } from "./http/partnerCenter.js";
import { workOffQueues } from "./http/queues.js";
import { azurePlanBody, customerBody, partnerBody, subscriptionBody } from "./http/reference.js";
import { withTableWriteFault } from "./http/storeFault.js";
import { call, usePipelineHttp } from "./http/support.js";

// Polls come 0.1 s, 0.2 s, … after each other; licences from another CSP partner move mid-term (MC-3).
const FILE_SETTINGS = { PARTNER_CENTER_TRANSFER_POLL_SECONDS: "0.1", MIDTERM_LICENSE_TRANSFERS: "true" };
Object.assign(process.env, FILE_SETTINGS);
afterAll(() => {
  for (const name of Object.keys(FILE_SETTINGS)) Reflect.deleteProperty(process.env, name);
});

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "pc-transfers", invocationId: "pc-transfers" });
const { submitMigration, migrationOf } = liveOrders(http, partnerCenter, context);
const azurePlan = {
  catalogItemId: "DZH318Z0BPS6:0001:DZH318Z0BML6",
  termDuration: "P1M",
  billingCycle: "monthly",
};

interface World {
  partnerId: string;
  tenantId: string;
  sourceTenantId: string;
  customerId: string;
}

/**
 * A partner and the CSP partner the customer buys from now, both linked to Partner Center; the
 * customer, who accepted the partner as reseller (in Partner Center, or here with its administrator's
 * token: carol@fabrikam.example); an Azure plan offer Partner Center sells; and the
 * customer's subscriptions: `azure-ea` (EA, MC-5), `azure-csp` and `licence-csp` (the other partner's).
 */
async function world(acceptedIn: "partner-center" | "service" = "partner-center"): Promise<World> {
  const [partnerId, sourceId, customerId] = [
    uniqueId("contoso"),
    uniqueId("northwind"),
    uniqueId("fabrikam"),
  ];
  const linked = await partnerCenter.link(partnerId);
  const source = await partnerCenter.link(sourceId);
  for (const [id, link] of [
    [partnerId, linked.link],
    [sourceId, source.link],
  ] as const) {
    const put = await call(putPartner, "PUT", `/api/partners/${id}`, {
      params: { partnerId: id },
      body: { ...partnerBody, partnerCenter: link },
    });
    expect(put.status, put.text).toBe(201);
  }
  const customer = await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
    params: { customerId },
    body: customerBody,
  });
  expect(customer.status, customer.text).toBe(201);
  for (const [offerId, kind, sold] of [
    ["azure-plan", "usage", azurePlan],
    ["o365-e3", "license", undefined],
  ] as const) {
    await call(putOffer, "PUT", `/api/offers/${offerId}`, {
      params: { offerId },
      body: {
        name: offerId,
        kind,
        discontinued: false,
        equivalentOfferIds: [],
        ...(sold ? { partnerCenter: sold } : {}),
      },
    });
  }
  const subscriptions = {
    "azure-ea": azurePlanBody,
    "azure-csp": { ...azurePlanBody, channel: "csp", partnerOfRecord: sourceId },
    "licence-csp": { ...subscriptionBody, channel: "csp", partnerOfRecord: sourceId },
  };
  for (const [subscriptionId, body] of Object.entries(subscriptions)) {
    const stored = await call(
      putSubscription,
      "PUT",
      `/api/customers/${customerId}/subscriptions/${subscriptionId}`,
      {
        params: { customerId, subscriptionId },
        body,
      },
    );
    expect(stored.status, stored.text).toBe(201);
  }
  const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
    key: uniqueId("rel"),
    body: {
      partnerId,
      customerId,
      actor: { userId: "ann@contoso", role: "global-admin" },
      delegatedAdmin: false,
    },
  });
  expect(requested.status, requested.text).toBe(202);
  await workOffQueues(http, context);
  if (acceptedIn === "service") {
    await acceptAsCustomer({ relationshipId: (requested.body as { id: string }).id, customerId });
    await workOffQueues(http, context);
  }
  // Partner Center knows the customer as the partner's either way (its event changes nothing here then).
  await partnerCenter.control(`customers/${customerId}/accept`, { partnerTenantId: linked.tenantId });
  await workOffQueues(http, context);
  return { partnerId, tenantId: linked.tenantId, sourceTenantId: source.tenantId, customerId };
}

/** Submits a migration of these subscriptions (originals kept; now, or at term end); answers its id and its decision message. */
async function submit(
  found: World,
  subscriptionIds: readonly string[],
  startAt: "now" | "term-end" = "now",
): Promise<{ migrationId: string; message: unknown }> {
  const migrationId = await submitMigration(found, subscriptionIds, { cancelOriginal: "keep", startAt });
  const [message, ...more] = await http.drain(QUEUES.migrations);
  expect(more).toEqual([]);
  return { migrationId, message: message?.body };
}

async function itemOf(migrationId: string): Promise<MigrationView["items"][number] | undefined> {
  return (await migrationOf(migrationId)).items[0];
}

/** The event types relayed so far about one migration (the partner-events queue, drained), in order. */
const relayed: EventEnvelope[] = [];
async function migrationEvents(migrationId: string): Promise<string[]> {
  for (const message of await http.drain(QUEUES.events))
    relayed.push(...eventsCarried(partnerEventMessageSchema.parse(message.body)));
  return relayed
    .filter((event) => event.resource.kind === "migration" && event.resource.id === migrationId)
    .map((event) => event.type);
}

/** What is due on the migration queue: once a scheduled message comes due (the emulator's counts say so), all that is. */
async function nextDue(): Promise<Awaited<ReturnType<typeof http.drain>>> {
  const counts = () => http.emulator().stats().entities[QUEUES.migrations];
  const deadline = Date.now() + 10_000;
  while ((counts()?.active ?? 0) === 0 && (counts()?.scheduled ?? 0) > 0) {
    if (Date.now() > deadline) throw new Error("a scheduled message never came due");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return http.drain(QUEUES.migrations);
}

/** Works off the migration queue, scheduled polls included, until nothing waits on it; answers the polls delivered. */
async function followPolls(): Promise<TransferPollMessage[]> {
  const delivered: TransferPollMessage[] = [];
  for (let round = 0; round < 50; round += 1) {
    const messages = await nextDue();
    if (messages.length === 0) return delivered;
    for (const message of messages) {
      delivered.push(message.body as TransferPollMessage);
      await processMigrationMessage(message.body, context());
    }
  }
  throw new Error("the polls never ended");
}

/** The transfers the local Partner Center holds for this partner's tenant. */
const transfersOf = (tenantId: string) => partnerCenter.madeFor("transfers", tenantId);

/** The transfer calls made as this partner: "METHOD path status", the transfer id as {id}. */
const transferCallsAs = (tenantId: string) => partnerCenter.callsAs(tenantId, "transfers");

describe("live mode, MC-5: a new Azure plan is bought once", () => {
  it("delivered 3 times: one order of the Azure plan, quantity 1, recorded on the item", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-ea"]);
    for (const _ of [1, 2, 3]) await processMigrationMessage(message, context());
    const orders = partnerCenter.madeFor("orders", found.tenantId);
    expect(orders.map((order) => order.lineItems.map(({ subscriptionId: _, ...line }) => line))).toEqual([
      [{ catalogItemId: azurePlan.catalogItemId, quantity: 1 }],
    ]);
    expect(await itemOf(migrationId)).toMatchObject({
      path: "azure-new-subscription",
      execution: "ordered",
      order: { id: orders[0]?.id, subscriptionId: orders[0]?.lineItems[0]?.subscriptionId, quantity: 1 },
    });
    expect(transfersOf(found.tenantId)).toEqual([]);
  });
});

describe("live mode, MC-6: Azure from another CSP partner is transferred once and followed to Complete", () => {
  it("delivered 3 times: one transfer, polled until Complete, the new subscription recorded", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"]);
    for (const _ of [1, 2, 3]) await processMigrationMessage(message, context());
    const [transfer, ...more] = transfersOf(found.tenantId);
    expect(more).toEqual([]);
    expect(transfer).toMatchObject({
      customerId: found.customerId,
      sourcePartnerTenantId: found.sourceTenantId,
      targetProductTypes: ["AzureSubscription"],
      requestId: transferRequestId(migrationId, "azure-csp"),
      lineItems: [{ subscriptionId: "azure-csp", quantity: 1 }],
      status: "Active",
    });
    // Accepted in Partner Center: the service holds no customer address, so it names none.
    expect(transfer && "customerEmailId" in transfer).toBe(false);
    // Not done before Partner Center is: the migration stays provisioning while the transfer runs.
    expect(await migrationOf(migrationId)).toMatchObject({
      status: "provisioning",
      items: [
        {
          execution: "transferring",
          transfer: { id: transfer?.id, status: "Active", polls: 0, productType: "AzureSubscription" },
        },
      ],
    });
    expect(await migrationEvents(migrationId)).not.toContain("migration-completed");

    const polls = await followPolls();
    expect(polls.map((poll) => poll.poll)).toEqual([1, 2]);
    const line = transfersOf(found.tenantId)[0]?.lineItems[0];
    const done = await migrationOf(migrationId);
    expect(done).toMatchObject({
      status: "completed",
      items: [
        {
          execution: "transferred",
          transfer: {
            id: transfer?.id,
            status: "Complete",
            polls: 2,
            newSubscriptionIds: [line?.targetSubscriptionId],
          },
        },
      ],
    });
    // The completion is the last poll's: one history step and one event, after the transfer ended.
    expect(done.history.filter((entry) => entry.to === "completed")).toHaveLength(1);
    expect(
      (await migrationEvents(migrationId)).filter((type) => type === "migration-completed"),
    ).toHaveLength(1);
    expect(transferCallsAs(found.tenantId)).toEqual([
      // The customer's transfers first: none to carry on, so one is created.
      `GET /v1/customers/${found.customerId}/transfers 200`,
      `POST /v1/customers/${found.customerId}/transfers 201`,
      `GET /v1/customers/${found.customerId}/transfers/{id} 200`,
      `GET /v1/customers/${found.customerId}/transfers/{id} 200`,
    ]);
    // A poll delivered again after the end changes nothing and asks nothing.
    await processMigrationMessage(polls[1], context());
    expect(transferCallsAs(found.tenantId)).toHaveLength(4);
  });

  it("the customer's administrator accepted here: the transfer names that address for Partner Center's notice", async () => {
    const found = await world("service");
    const { message } = await submit(found, ["azure-csp"]);
    await processMigrationMessage(message, context());
    expect(transfersOf(found.tenantId)).toMatchObject([{ customerEmailId: "carol@fabrikam.example" }]);
    // Its scheduled polls, followed here, would otherwise fall due in the next test's queue.
    await followPolls();
  });

  it("a transfer of it already running from the same partner (no MS-RequestId of ours) is followed, not doubled", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"]);
    // Made earlier outside this migration's MS-RequestId: by hand in Partner Center. One from another
    // partner, and one of another subscription, are not this item's.
    const made = async (sourcePartnerTenantId: string, subscriptionId: string) =>
      (
        (await partnerCenter.control("transfers", {
          partnerTenantId: found.tenantId,
          customerId: found.customerId,
          sourcePartnerTenantId,
          subscriptionId,
        })) as { id: string }
      ).id;
    await made(uniqueId("tenant"), "azure-csp");
    await made(found.sourceTenantId, "another-subscription");
    const running = await made(found.sourceTenantId, "azure-csp");

    await processMigrationMessage(message, context());
    expect(transfersOf(found.tenantId)).toHaveLength(3);
    await followPolls();
    expect(await migrationOf(migrationId)).toMatchObject({
      status: "completed",
      items: [{ execution: "transferred", transfer: { id: running, status: "Complete" } }],
    });
    expect(transferCallsAs(found.tenantId)).toEqual([
      `GET /v1/customers/${found.customerId}/transfers 200`,
      `GET /v1/customers/${found.customerId}/transfers/{id} 200`,
      `GET /v1/customers/${found.customerId}/transfers/{id} 200`,
    ]);
  });

  it("a crash between the transfer's creation and the table write: the redelivery gets the same transfer", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"]);
    // The decision commits; Partner Center creates the transfer; the write recording it never lands.
    const madeBy = (body: string) =>
      transfersOf(found.tenantId).some((transfer) => body.includes(transfer.id));
    const fired = await withTableWriteFault(import.meta.url, madeBy, async () => {
      await expect(processMigrationMessage(message, context())).rejects.toThrow(/injected fault/);
    });
    expect(fired).toBe(1);
    expect(transfersOf(found.tenantId)).toHaveLength(1);
    expect(await itemOf(migrationId)).toMatchObject({ execution: "transferring", transfer: { polls: 0 } });
    expect((await itemOf(migrationId))?.transfer?.id).toBeUndefined();

    await processMigrationMessage(message, context());
    const [transfer, ...more] = transfersOf(found.tenantId);
    expect(more).toEqual([]);
    expect((await itemOf(migrationId))?.transfer?.id).toBe(transfer?.id);
    await followPolls();
    expect(await itemOf(migrationId)).toMatchObject({
      execution: "transferred",
      transfer: { id: transfer?.id },
    });
    expect(transfersOf(found.tenantId)).toHaveLength(1);
  });
});

describe("live mode, MC-6: an item the sweep provisions at term end is transferred as the processor does", () => {
  it("the nightly sweep creates the transfer once, polls follow it to Complete, then the migration completes", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"], "term-end");
    await processMigrationMessage(message, context());
    expect(await migrationOf(migrationId)).toMatchObject({
      status: "awaiting-term-end",
      items: [{ status: "planned" }],
    });
    expect(transfersOf(found.tenantId)).toEqual([]);

    // The night after the term end (subscriptionBody's is 2027-01-01): the customer's sweep message, twice.
    await queueSweep({ asOf: "2027-01-02T02:00:00.000Z" });
    const mine = (await http.drain(QUEUES.sweeps)).filter(
      (queued) => sweepMessageSchema.parse(queued.body).customerId === found.customerId,
    );
    expect(mine).toHaveLength(1);
    for (const _ of [1, 2]) await processSweepMessage(mine[0]?.body, context());
    const [transfer, ...more] = transfersOf(found.tenantId);
    expect(more).toEqual([]);
    expect(transfer).toMatchObject({
      requestId: transferRequestId(migrationId, "azure-csp"),
      lineItems: [{ subscriptionId: "azure-csp" }],
    });
    expect(await migrationOf(migrationId)).toMatchObject({
      status: "awaiting-term-end",
      items: [{ status: "provisioned", execution: "transferring", transfer: { id: transfer?.id } }],
    });

    expect((await followPolls()).map((poll) => poll.poll)).toEqual([1, 2]);
    expect(await migrationOf(migrationId)).toMatchObject({
      status: "completed",
      items: [{ execution: "transferred", transfer: { id: transfer?.id, status: "Complete" } }],
    });
  });
});

describe("live mode: Partner Center throttled or down, nothing waits in a function", () => {
  it("429 on the creation and 500 on a poll throw, so Service Bus redelivers; the next delivery carries on", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"]);
    // The second call on …/transfers: the creation, after the look-up of the customer's transfers.
    await partnerCenter.control("faults", {
      status: 429,
      retryAfterSeconds: 1,
      count: 1,
      every: 2,
      path: "/transfers$",
    });
    await expect(processMigrationMessage(message, context())).rejects.toThrow(/429/);
    expect(transferCallsAs(found.tenantId)).toEqual([
      `GET /v1/customers/${found.customerId}/transfers 200`,
      `POST /v1/customers/${found.customerId}/transfers 429`,
    ]);
    expect(transfersOf(found.tenantId)).toEqual([]);
    expect((await itemOf(migrationId))?.execution).toBe("transferring");
    await processMigrationMessage(message, context());
    expect(transfersOf(found.tenantId)).toHaveLength(1);

    const [first] = await nextDue();
    await partnerCenter.control("faults", { status: 500, count: 1, path: "/transfers/[^/]+$" });
    await expect(processMigrationMessage(first?.body, context())).rejects.toThrow(/500/);
    expect((await itemOf(migrationId))?.transfer?.polls).toBe(0);
    await processMigrationMessage(first?.body, context());
    await followPolls();
    expect(await itemOf(migrationId)).toMatchObject({ execution: "transferred", transfer: { polls: 2 } });
  });
});

describe("live mode, MC-3: a licence from another CSP partner moves mid-term by transfer", () => {
  it("the transfer names the licence product type and its seats, and is followed to Complete", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["licence-csp"]);
    await processMigrationMessage(message, context());
    expect(transfersOf(found.tenantId)).toMatchObject([
      {
        targetProductTypes: ["OnlineServicesNCE"],
        lineItems: [{ subscriptionId: "licence-csp", quantity: 25 }],
      },
    ]);
    await followPolls();
    expect(await itemOf(migrationId)).toMatchObject({
      path: "license-transfer",
      execution: "transferred",
      transfer: { productType: "OnlineServicesNCE", status: "Complete" },
    });
  });
});

describe("live mode: a transfer that does not complete", () => {
  it("Partner Center fails it: the item fails with Partner Center's code and description; polls stop", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"]);
    await processMigrationMessage(message, context());
    const transferId = transfersOf(found.tenantId)[0]?.id ?? "";
    await partnerCenter.control(`transfers/${transferId}/fail`, {
      code: "800120",
      description: "The subscription is not eligible for transfer",
    });
    expect((await followPolls()).map((poll) => poll.poll)).toEqual([1]);
    const reason =
      "Partner Center did not transfer it: 800120: The subscription is not eligible for transfer";
    expect(await migrationOf(migrationId)).toMatchObject({
      // Its only item was not carried out: the migration fails, saying why.
      status: "failed",
      failureReason: `1 of 1 item(s) were not carried out in Partner Center: azure-csp: ${reason}`,
      items: [
        {
          execution: "transfer-failed",
          transfer: { id: transferId, status: "Failed", polls: 1 },
          transferError: { code: "800120", message: reason },
        },
      ],
    });
    expect(await migrationEvents(migrationId)).toContain("migration-failed");
  });

  it("one of two transfers fails: partially-completed once the other is Complete, never completed", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp", "licence-csp"]);
    await processMigrationMessage(message, context());
    const failing = transfersOf(found.tenantId).find(
      (transfer) => transfer.lineItems[0]?.subscriptionId === "licence-csp",
    );
    await partnerCenter.control(`transfers/${failing?.id ?? ""}/fail`, { code: "800121" });
    await followPolls();
    const done = await migrationOf(migrationId);
    expect(done).toMatchObject({
      status: "partially-completed",
      items: [
        { subscriptionId: "azure-csp", execution: "transferred" },
        { subscriptionId: "licence-csp", execution: "transfer-failed", transferError: { code: "800121" } },
      ],
    });
    expect(done.history.filter((entry) => entry.lineItem === undefined).map((entry) => entry.to)).toEqual([
      "submitted",
      "provisioning",
      "partially-completed",
    ]);
    const events = await migrationEvents(migrationId);
    expect(events.filter((type) => type === "migration-partially-completed")).toHaveLength(1);
    expect(events).not.toContain("migration-completed");
  });

  it("still Active at the last poll allowed: the service stops waiting and fails the item (MC-6)", async () => {
    const found = await world();
    const { migrationId, message } = await submit(found, ["azure-csp"]);
    await partnerCenter.control("transfers/settings", { completeAfterPolls: 1_000 });
    try {
      await processMigrationMessage(message, context());
      const [first] = await nextDue();
      expect((first?.body as TransferPollMessage | undefined)?.poll).toBe(1);
      const last: TransferPollMessage = { ...(first?.body as TransferPollMessage), poll: TRANSFER_MAX_POLLS };
      await processMigrationMessage(last, context());
      expect(await itemOf(migrationId)).toMatchObject({
        execution: "transfer-failed",
        transfer: { status: "Active", polls: TRANSFER_MAX_POLLS },
        transferError: { rule: "MC-6", code: null },
      });
      // Poll 1, arriving late, is not due any more: nothing is asked, nothing scheduled.
      const asked = transferCallsAs(found.tenantId).length;
      await processMigrationMessage(first?.body, context());
      expect(transferCallsAs(found.tenantId)).toHaveLength(asked);
      expect(http.emulator().stats().entities[QUEUES.migrations]?.scheduled ?? 0).toBe(0);
    } finally {
      await partnerCenter.control("transfers/settings", { completeAfterPolls: 2 });
    }
  });
});
