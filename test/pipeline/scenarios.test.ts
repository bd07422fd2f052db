/**
 * One scenario per lifecycle of the rules (shared/domain/RULES.md), from the signed webhook to the final state: the HTTP
 * functions take the requests, the emulator carries the messages, the queue processors decide,
 * the sweep retires the originals. Every step goes through the real handlers.
 */
import { describe, expect, it } from "vitest";

import { getMigration } from "../../functions/getMigration.js";
import { getRelationship } from "../../functions/getRelationship.js";
import { getSubscription } from "../../functions/getSubscription.js";
import { postAcceptance } from "../../functions/postAcceptance.js";
import { postDeclination } from "../../functions/postDeclination.js";
import { postMigration } from "../../functions/postMigration.js";
import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import { postSweep } from "../../functions/postSweep.js";
import { processMigrationMessage } from "../../functions/processMigrationMessage.js";
import { processRelationshipMessage } from "../../functions/processRelationshipMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putOffer } from "../../functions/putOffer.js";
import { putPartner } from "../../functions/putPartner.js";
import { putSubscription } from "../../functions/putSubscription.js";
import { InvocationContext } from "@azure/functions";
import { MAX_MIGRATION_ITEMS } from "../../shared/domain/requests.js";
import type { MigrationView, RelationshipView, SweepTransition } from "../../shared/http/views.js";
import { QUEUES, sweepMessageSchema } from "../../shared/messaging/messages.js";
import { setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import { sweepQueuedCustomer } from "../../shared/pipeline/sweep.js";
import { asCustomer } from "../setup/callers.js";
import { uniqueId } from "../setup/tables.js";
import { call, usePipelineHttp } from "./http/support.js";
import { workOffQueues } from "./http/queues.js";

const http = usePipelineHttp(import.meta.url);
const context = () => new InvocationContext({ functionName: "scenario", invocationId: "scenario" });

const DAY = 86_400_000;
const termEnd = new Date(Date.now() + 120 * DAY).toISOString();
const termStart = new Date(Date.now() - 245 * DAY).toISOString();

const processQueues = () => workOffQueues(http, context);

async function seed(options: { customerRegion?: string; isCspPartner?: boolean } = {}) {
  const partnerId = uniqueId("contoso");
  const customerId = uniqueId("fabrikam");
  await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
    params: { partnerId },
    body: { name: "Contoso", region: "US", cloud: "public", kind: "direct" },
  });
  await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
    params: { customerId },
    body: {
      name: "Fabrikam",
      region: options.customerRegion ?? "US",
      cloud: "public",
      isCspPartner: options.isCspPartner ?? false,
    },
  });
  await call(putOffer, "PUT", "/api/offers/o365-e3", {
    params: { offerId: "o365-e3" },
    body: { name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
  });
  await call(putOffer, "PUT", "/api/offers/azure-plan", {
    params: { offerId: "azure-plan" },
    body: { name: "Azure plan", kind: "usage", discontinued: false, equivalentOfferIds: [] },
  });
  const subscription = (subscriptionId: string, body: Record<string, unknown>) =>
    call(putSubscription, "PUT", `/api/customers/${customerId}/subscriptions/${subscriptionId}`, {
      params: { customerId, subscriptionId },
      body: { termStart, termEnd, status: "active", ...body },
    });
  await subscription("ea-o365", {
    offerId: "o365-e3",
    kind: "license",
    channel: "ea",
    seats: 40,
    billingCycle: "annual",
  });
  await subscription("ea-azure", {
    offerId: "azure-plan",
    kind: "usage",
    channel: "ea",
    billingCycle: "monthly",
  });
  await subscription("m365-direct", {
    offerId: "o365-e3",
    kind: "license",
    channel: "direct",
    seats: 10,
    billingCycle: "monthly",
    purchasedVia: "m365-admin-portal",
  });
  return { partnerId, customerId };
}

async function requestRelationship(partnerId: string, customerId: string): Promise<string> {
  const answer = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
    key: uniqueId("rel"),
    body: {
      partnerId,
      customerId,
      actor: { userId: "ann@contoso", role: "global-admin" },
      delegatedAdmin: true,
    },
  });
  expect(answer.status).toBe(202);
  return (answer.body as { id: string }).id;
}

async function answer(id: string, decision: "acceptance" | "declination", customerId: string): Promise<void> {
  const handler = decision === "acceptance" ? postAcceptance : postDeclination;
  const answered = await call(handler, "POST", `/api/relationships/${id}/${decision}`, {
    params: { id },
    key: uniqueId("answer"),
    as: await asCustomer(customerId, { user: "carol@fabrikam.example" }),
  });
  expect(answered.status).toBe(202);
}

async function migrate(partnerId: string, customerId: string, items: unknown[]): Promise<string> {
  const answered = await call(postMigration, "POST", "/api/migrations", {
    key: uniqueId("mig"),
    body: { partnerId, customerId, actor: { userId: "bob@contoso", role: "account-admin" }, items },
  });
  expect(answered.status).toBe(202);
  return (answered.body as { id: string }).id;
}

async function relationship(id: string): Promise<RelationshipView> {
  return (await call(getRelationship, "GET", `/api/relationships/${id}`, { params: { id } }))
    .body as RelationshipView;
}

async function migration(id: string): Promise<MigrationView> {
  return (await call(getMigration, "GET", `/api/migrations/${id}`, { params: { id } })).body as MigrationView;
}

/**
 * A real sweep at `asOf`: the service's clock is moved there first, since a sweep that writes never
 * looks ahead (OPS-1); then each customer it queued is swept from the customer-sweeps queue.
 */
async function sweep(asOf: string): Promise<{ transitions: SweepTransition[] }> {
  setRuntimeForTests({ now: () => new Date(asOf) });
  try {
    const swept = await call(postSweep, "POST", "/api/admin/sweep", { now: new Date(asOf) });
    expect(swept.status).toBe(200);
    const transitions: SweepTransition[] = [];
    for (const message of await http.drain(QUEUES.sweeps)) {
      transitions.push(...(await sweepQueuedCustomer(sweepMessageSchema.parse(message.body))));
    }
    return { transitions };
  } finally {
    setRuntimeForTests({ now: () => new Date() });
  }
}

describe("relationship lifecycle", () => {
  it("submitted → pending → active, with the history of each step", async () => {
    const { partnerId, customerId } = await seed();
    const id = await requestRelationship(partnerId, customerId);
    await processQueues();
    expect((await relationship(id)).status).toBe("pending");
    await answer(id, "acceptance", customerId);
    await processQueues();
    const accepted = await relationship(id);
    expect(accepted.status).toBe("active");
    expect(accepted.history.map((entry) => entry.to)).toEqual(["submitted", "pending", "active"]);
  });

  it("submitted → rejected with every rule id broken (CLOUD-1 is not broken here; MC-7 is)", async () => {
    const { partnerId, customerId } = await seed({ isCspPartner: true });
    const id = await requestRelationship(partnerId, customerId);
    await processQueues();
    const rejected = await relationship(id);
    expect(rejected.status).toBe("rejected");
    expect(rejected.violations.map((violation) => violation.rule)).toEqual(["MC-7"]);
  });

  it("pending → declined, and pending → expired by the sweep (REL-3) rejecting the migration that waited", async () => {
    const first = await seed();
    const declinedId = await requestRelationship(first.partnerId, first.customerId);
    await processQueues();
    await answer(declinedId, "declination", first.customerId);
    await processQueues();
    expect((await relationship(declinedId)).status).toBe("declined");

    const second = await seed();
    const expiringId = await requestRelationship(second.partnerId, second.customerId);
    const waitingId = await migrate(second.partnerId, second.customerId, [
      { subscriptionId: "ea-o365", cancelOriginal: "at-term-end" },
    ]);
    await processQueues();
    expect((await migration(waitingId)).status).toBe("awaiting-relationship");
    await sweep(new Date(Date.now() + 91 * DAY).toISOString());
    expect((await relationship(expiringId)).status).toBe("expired");
    const rejected = await migration(waitingId);
    expect(rejected.status).toBe("rejected");
    expect(rejected.violations.map((violation) => violation.rule)).toContain("REL-3");
  });
});

describe("migration lifecycle", () => {
  it("submitted before the customer accepts → awaiting-relationship → awaiting-term-end → completed after the sweep", async () => {
    const { partnerId, customerId } = await seed();
    const relationshipId = await requestRelationship(partnerId, customerId);
    const id = await migrate(partnerId, customerId, [
      { subscriptionId: "ea-o365", cancelOriginal: "at-term-end" },
      { subscriptionId: "ea-azure", cancelOriginal: "keep" },
      { subscriptionId: "m365-direct", cancelOriginal: "at-term-end" },
    ]);
    await processQueues();
    expect((await migration(id)).status).toBe("awaiting-relationship");

    await answer(relationshipId, "acceptance", customerId);
    await processQueues();
    const waiting = await migration(id);
    expect(waiting.status).toBe("awaiting-term-end");
    expect(waiting.items.map((item) => [item.subscriptionId, item.path, item.status, item.cancelAt])).toEqual(
      [
        ["ea-o365", "license-move", "provisioned", termEnd],
        ["ea-azure", "azure-new-subscription", "provisioned", null],
        ["m365-direct", "license-move", "provisioned", termEnd],
      ],
    );
    expect(waiting.items.find((item) => item.subscriptionId === "m365-direct")?.creditEligibility).toBe(
      "partner-may-request",
    );

    // Nothing is due yet: the sweep changes nothing.
    expect((await sweep(new Date().toISOString())).transitions).toEqual([]);
    await sweep(new Date(Date.parse(termEnd) + DAY).toISOString());
    const done = await migration(id);
    expect(done.status).toBe("completed");
    expect(done.items.map((item) => item.status)).toEqual([
      "original-expired",
      "provisioned",
      "original-expired",
    ]);
    const original = await call(
      getSubscription,
      "GET",
      `/api/customers/${customerId}/subscriptions/ea-o365`,
      {
        params: { customerId, subscriptionId: "ea-o365" },
      },
    );
    expect((original.body as { status: string }).status).toBe("expired");
    expect(done.history.filter((entry) => entry.lineItem === undefined).map((entry) => entry.to)).toEqual([
      "submitted",
      "awaiting-relationship",
      "provisioning",
      "awaiting-term-end",
      "completed",
    ]);
    // A second sweep finds nothing left to do.
    expect((await sweep(new Date(Date.parse(termEnd) + DAY).toISOString())).transitions).toEqual([]);
  });

  it("an immediate cancellation skips awaiting-term-end, cancels the original and records no refund (MIG-2)", async () => {
    const { partnerId, customerId } = await seed();
    const relationshipId = await requestRelationship(partnerId, customerId);
    await processQueues();
    await answer(relationshipId, "acceptance", customerId);
    await processQueues();
    const id = await migrate(partnerId, customerId, [
      { subscriptionId: "ea-o365", cancelOriginal: "immediately" },
    ]);
    await processQueues();
    const done = await migration(id);
    expect(done.status).toBe("completed");
    expect(done.items[0]).toMatchObject({
      status: "original-cancelled",
      refundNote: expect.stringMatching(/refund/i) as unknown,
    });
    const original = await call(
      getSubscription,
      "GET",
      `/api/customers/${customerId}/subscriptions/ea-o365`,
      {
        params: { customerId, subscriptionId: "ea-o365" },
      },
    );
    expect((original.body as { status: string }).status).toBe("cancelled");
  });

  it("decides the largest migration a request may hold in one transaction", async () => {
    const { partnerId, customerId } = await seed();
    const relationshipId = await requestRelationship(partnerId, customerId);
    await processQueues();
    await answer(relationshipId, "acceptance", customerId);
    await processQueues();
    const ids = Array.from({ length: MAX_MIGRATION_ITEMS }, (_, index) => `bulk-${index}`);
    for (const subscriptionId of ids) {
      await call(putSubscription, "PUT", `/api/customers/${customerId}/subscriptions/${subscriptionId}`, {
        params: { customerId, subscriptionId },
        body: {
          offerId: "o365-e3",
          kind: "license",
          channel: "ea",
          seats: 5,
          billingCycle: "annual",
          termStart,
          termEnd,
          status: "active",
        },
      });
    }
    const id = await migrate(
      partnerId,
      customerId,
      ids.map((subscriptionId) => ({ subscriptionId, cancelOriginal: "immediately" })),
    );
    await processQueues();
    const done = await migration(id);
    expect(done.failureReason).toBeUndefined();
    expect(done.status).toBe("completed");
    expect(done.items.every((item) => item.status === "original-cancelled")).toBe(true);
  });

  it("submitted → rejected with the rule ids when nothing can proceed (MIG-7)", async () => {
    const { partnerId, customerId } = await seed({ customerRegion: "EU" });
    const id = await migrate(partnerId, customerId, [
      { subscriptionId: "ea-o365", cancelOriginal: "at-term-end" },
    ]);
    await processQueues();
    const rejected = await migration(id);
    expect(rejected.status).toBe("rejected");
    expect(rejected.violations.map((violation) => violation.rule)).toContain("MIG-7");
  });

  it("redelivering every message leaves the same state as delivering it once", async () => {
    const { partnerId, customerId } = await seed();
    const relationshipId = await requestRelationship(partnerId, customerId);
    const id = await migrate(partnerId, customerId, [
      { subscriptionId: "ea-o365", cancelOriginal: "at-term-end" },
    ]);
    const deliverTwice = async () => {
      const relationships = await http.drain(QUEUES.relationships);
      const migrations = await http.drain(QUEUES.migrations);
      for (const message of [...relationships, ...relationships])
        await processRelationshipMessage(message.body, context());
      for (const message of [...migrations, ...migrations])
        await processMigrationMessage(message.body, context());
    };
    await deliverTwice();
    await answer(relationshipId, "acceptance", customerId);
    await deliverTwice();
    const once = await migration(id);
    expect(once.status).toBe("awaiting-term-end");
    expect(once.history.filter((entry) => entry.lineItem === undefined).map((entry) => entry.to)).toEqual([
      "submitted",
      "awaiting-relationship",
      "provisioning",
      "awaiting-term-end",
    ]);
  });
});
