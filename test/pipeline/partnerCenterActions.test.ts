/**
 * What the service does in Partner Center, through the real handlers, the emulator and the local
 * Partner Center (started for this file): in `records` mode nothing is ordered and every provisioned
 * item says so; in `live` mode a relationship request gets Partner Center's reseller relationship
 * link and, when delegated admin is asked, a GDAP relationship locked for the customer's approval —
 * once, however often the message comes.
 */
import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";

import { getMigration } from "../../functions/getMigration.js";
import { postAcceptance } from "../../functions/postAcceptance.js";
import { postMigration } from "../../functions/postMigration.js";
import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import { processMigrationMessage } from "../../functions/processMigrationMessage.js";
import { processRelationshipMessage } from "../../functions/processRelationshipMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putOffer } from "../../functions/putOffer.js";
import { putPartner } from "../../functions/putPartner.js";
import { putSubscription } from "../../functions/putSubscription.js";
import { resetConfigForTests } from "../../shared/config.js";
import { buildOpenApiDocument } from "../../shared/http/openapi.js";
import type { MigrationView } from "../../shared/http/views.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { resetRuntime } from "../../shared/pipeline/runtime.js";
import { asCustomer } from "../setup/callers.js";
import { uniqueId } from "../setup/tables.js";
import { customerBody, partnerBody, subscriptionBody } from "./http/reference.js";
import { usePartnerCenter } from "./http/partnerCenter.js";
import { call, usePipelineHttp } from "./http/support.js";

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "pc-actions", invocationId: "pc-actions" });
const actor = { userId: "ann@contoso", role: "global-admin" };

/** Delivers every message on both queues to its processor until none is left. */
async function processQueues(): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    const relationships = await http.drain(QUEUES.relationships);
    for (const message of relationships) await processRelationshipMessage(message.body, context());
    const migrations = await http.drain(QUEUES.migrations);
    for (const message of migrations) await processMigrationMessage(message.body, context());
    if (relationships.length + migrations.length === 0) return;
  }
}

/** Runs `body` with PARTNER_CENTER_MODE set to `mode`, then back to live (the file's mode). */
async function inMode<T>(mode: "records" | "live", body: () => Promise<T>): Promise<T> {
  const set = (value: string) => {
    process.env.PARTNER_CENTER_MODE = value;
    resetConfigForTests();
    resetRuntime();
  };
  set(mode);
  try {
    return await body();
  } finally {
    set("live");
  }
}

async function migrationOf(id: string): Promise<MigrationView> {
  const answer = await call(getMigration, "GET", `/api/migrations/${id}`, { params: { id } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as MigrationView;
}

interface Parties {
  partnerId: string;
  customerId: string;
  tenantId: string;
}

/** A partner linked to its tenant in the local Partner Center, and a new customer. */
async function parties(partnerCenterFields: Record<string, unknown> = {}): Promise<Parties> {
  const partnerId = uniqueId("contoso");
  const customerId = uniqueId("fabrikam");
  const { link, tenantId } = await partnerCenter.link(partnerId);
  const partner = await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
    params: { partnerId },
    body: { ...partnerBody, partnerCenter: { ...link, ...partnerCenterFields } },
  });
  expect(partner.status, partner.text).toBe(201);
  const customer = await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
    params: { customerId },
    body: customerBody,
  });
  expect(customer.status, customer.text).toBe(201);
  return { partnerId, customerId, tenantId };
}

async function requestRelationship(world: Parties, delegatedAdmin: boolean): Promise<string> {
  const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
    key: uniqueId("rel"),
    body: { partnerId: world.partnerId, customerId: world.customerId, actor, delegatedAdmin },
  });
  expect(requested.status, requested.text).toBe(202);
  return (requested.body as { id: string }).id;
}

describe("records mode: a provisioned item is a record, and says so", () => {
  it("every provisioned line item shows execution: recorded, in GET /api/migrations/{id} and its schema", async () => {
    await inMode("records", async () => {
      const world = await parties();
      const relationshipId = await requestRelationship(world, false);
      await processQueues();
      const accepted = await call(postAcceptance, "POST", `/api/relationships/${relationshipId}/acceptance`, {
        params: { id: relationshipId },
        key: uniqueId("answer"),
        as: await asCustomer(world.customerId, { user: "carol@fabrikam.example" }),
      });
      expect(accepted.status, accepted.text).toBe(202);
      await call(putOffer, "PUT", "/api/offers/o365-e3", {
        params: { offerId: "o365-e3" },
        body: { name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
      });
      for (const subscriptionId of ["ea-1", "ea-2"]) {
        const stored = await call(
          putSubscription,
          "PUT",
          `/api/customers/${world.customerId}/subscriptions/${subscriptionId}`,
          { params: { customerId: world.customerId, subscriptionId }, body: subscriptionBody },
        );
        expect(stored.status, stored.text).toBe(201);
      }
      const requested = await call(postMigration, "POST", "/api/migrations", {
        key: uniqueId("mig"),
        body: {
          partnerId: world.partnerId,
          customerId: world.customerId,
          actor: { userId: "bob@contoso", role: "account-admin" },
          items: [
            { subscriptionId: "ea-1", cancelOriginal: "at-term-end" },
            { subscriptionId: "ea-2", cancelOriginal: "immediately" },
            { subscriptionId: "not-there", cancelOriginal: "at-term-end" },
          ],
        },
      });
      expect(requested.status, requested.text).toBe(202);
      await processQueues();
      const migration = await migrationOf((requested.body as { id: string }).id);
      expect(migration.items.map((item) => [item.status, item.execution])).toEqual([
        ["provisioned", "recorded"],
        ["original-cancelled", "recorded"],
        ["rejected", undefined],
      ]);
      // Nothing was asked of Partner Center for it.
      expect(
        partnerCenter
          .pc()
          .requests()
          .filter((request) => request.partnerTenantId === world.tenantId),
      ).toEqual([]);
    });
    const schemas = (buildOpenApiDocument() as { components: { schemas: Record<string, unknown> } })
      .components.schemas;
    expect(JSON.stringify(schemas.LineItem)).toContain("LineItemExecution");
    expect(schemas.LineItemExecution).toMatchObject({ enum: ["recorded"] });
  });
});
