/**
 * Partner Center's signed events in `live` mode, against the local Partner Center (started for this
 * file, as the emulator is): the customer accepts there, Partner Center posts its signed event to the
 * partner's webhook over HTTP, the route verifies it (PC-1) and queues it, the processor confirms it
 * by reading Partner Center or Graph as the partner (PC-2), and only then does anything change.
 */
import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";

import { getRelationship } from "../../functions/getRelationship.js";
import { postAcceptance } from "../../functions/postAcceptance.js";
import { postPartnerCenterEvent } from "../../functions/postPartnerCenterEvent.js";
import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import { processRelationshipMessage } from "../../functions/processRelationshipMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putPartner } from "../../functions/putPartner.js";
import { makeSigningCertificate } from "../../local/partner-center/certificate.js";
import { signatureHeaders, startLocalPartnerCenter } from "../../local/partner-center/server.js";
import type { RelationshipView } from "../../shared/http/views.js";
import { QUEUES, relationshipMessageSchema } from "../../shared/messaging/messages.js";
import { processPartnerCenterEvent } from "../../shared/pipeline/partnerCenterEvents.js";
import { resetRuntime } from "../../shared/pipeline/runtime.js";
import { uniqueId } from "../setup/tables.js";
import { customerBody, partnerBody } from "./http/reference.js";
import { usePartnerCenter } from "./http/partnerCenter.js";
import { call, tableSnapshot, usePipelineHttp } from "./http/support.js";

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "partner-center", invocationId: "pc" });
const actor = { userId: "ann@contoso", role: "global-admin" };

/** Delivers every message on the relationship queue to its processor until none is left. */
async function processQueue(): Promise<number> {
  let handled = 0;
  for (let round = 0; round < 5; round += 1) {
    const messages = await http.drain(QUEUES.relationships);
    for (const message of messages) await processRelationshipMessage(message.body, context());
    handled += messages.length;
    if (messages.length === 0) break;
  }
  return handled;
}

interface World {
  partnerId: string;
  tenantId: string;
  customerId: string;
  relationshipId: string;
}

/** A partner linked to its Partner Center tenant, and its open invitation to a new (or given) customer. */
async function invited(options: { delegatedAdmin?: boolean; customerId?: string } = {}): Promise<World> {
  const partnerId = uniqueId("contoso");
  const customerId = options.customerId ?? uniqueId("fabrikam");
  const { link, tenantId } = await partnerCenter.link(partnerId);
  const partner = await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
    params: { partnerId },
    body: { ...partnerBody, partnerCenter: link },
  });
  expect(partner.status, partner.text).toBe(201);
  if (options.customerId === undefined) {
    const customer = await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
      params: { customerId },
      body: customerBody,
    });
    expect(customer.status, customer.text).toBe(201);
  }
  const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
    key: uniqueId("rel"),
    body: { partnerId, customerId, actor, delegatedAdmin: options.delegatedAdmin ?? false },
  });
  expect(requested.status, requested.text).toBe(202);
  await processQueue();
  const relationshipId = (requested.body as { id: string }).id;
  expect((await relationshipOf(relationshipId)).status).toBe("pending");
  return { partnerId, tenantId, customerId, relationshipId };
}

async function relationshipOf(id: string): Promise<RelationshipView> {
  const answer = await call(getRelationship, "GET", `/api/relationships/${id}`, { params: { id } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as RelationshipView;
}

async function accept(world: World): Promise<{ status: number | undefined; event: Record<string, unknown> }> {
  const delivery = await partnerCenter.control(`customers/${world.customerId}/accept`, {
    partnerTenantId: world.tenantId,
  });
  return delivery as { status: number | undefined; event: Record<string, unknown> };
}

function acceptanceEvent(customerId: string): Record<string, unknown> {
  return {
    EventName: "reseller-relationship-accepted-by-customer",
    ResourceUri: `${partnerCenter.pc().url}/v1/customers/${customerId}`,
    ResourceName: "customer",
    AuditUri: null,
    ResourceChangeUtcDate: new Date().toISOString(),
  };
}

describe("a customer's acceptance in Partner Center (TEN-3, PC-2)", () => {
  it("accept → signed event → confirming read → the relationship is active", async () => {
    const world = await invited();
    const delivered = await accept(world);
    expect(delivered.status).toBe(202);
    expect(await processQueue()).toBe(1);
    const relationship = await relationshipOf(world.relationshipId);
    expect(relationship.status).toBe("active");
    expect(relationship.answeredBy).toBe("partner-center");
    expect(relationship.history.at(-1)).toMatchObject({
      from: "pending",
      to: "active",
      by: "partner-center",
    });
    // The confirming read went to Partner Center as this partner.
    expect(partnerCenter.pc().requests()).toContainEqual(
      expect.objectContaining({
        method: "GET",
        path: `/v1/customers/${world.customerId}`,
        status: 200,
        partnerTenantId: world.tenantId,
      }),
    );
  });

  it("a repeated event changes nothing twice (PC-3)", async () => {
    const world = await invited();
    const { event } = await accept(world);
    await processQueue();
    expect((await relationshipOf(world.relationshipId)).status).toBe("active");
    const before = await tableSnapshot(http.store());
    const again = await partnerCenter.control("events", { partnerTenantId: world.tenantId, event });
    expect(again.status).toBe(202);
    await processQueue();
    // And the same message delivered twice more, past any duplicate detection.
    const message = relationshipMessageSchema.parse({
      schemaVersion: 1,
      type: "partner-center-event",
      requestId: "pce-repeated",
      partnerId: world.partnerId,
      event,
    });
    if (message.type !== "partner-center-event") throw new Error("unreachable");
    for (const _ of [1, 2]) expect((await processPartnerCenterEvent(message)).writes).toBe(0);
    expect(await tableSnapshot(http.store())).toEqual(before);
  });

  it("an event the confirming read contradicts changes nothing", async () => {
    const world = await invited();
    const before = await tableSnapshot(http.store());
    // Signed by Partner Center, but the customer never accepted there: the read answers 404.
    const posted = await partnerCenter.control("events", {
      partnerTenantId: world.tenantId,
      event: acceptanceEvent(world.customerId),
    });
    expect(posted.status).toBe(202);
    await processQueue();
    expect((await relationshipOf(world.relationshipId)).status).toBe("pending");
    expect(await tableSnapshot(http.store())).toEqual(before);
  });

  it("an event replayed to another partner's URL changes nothing for that partner", async () => {
    const a = await invited();
    const b = await invited({ customerId: a.customerId });
    const { event } = await accept(a);
    await processQueue();
    expect((await relationshipOf(a.relationshipId)).status).toBe("active");
    const before = await tableSnapshot(http.store());
    const replayed = await partnerCenter.control("events", {
      partnerTenantId: a.tenantId,
      url: partnerCenter.webhookUrl(b.partnerId),
      event,
    });
    // The signature is Partner Center's, so the door takes it; the read as partner B does not confirm it.
    expect(replayed.status).toBe(202);
    await processQueue();
    expect((await relationshipOf(b.relationshipId)).status).toBe("pending");
    expect(await tableSnapshot(http.store())).toEqual(before);
  });

  it("Partner Center throttling or failing: the message is retried and then confirmed", async () => {
    const world = await invited();
    await partnerCenter.control("faults", { status: 429, retryAfterSeconds: 1, count: 1 });
    await accept(world);
    const [message] = await http.drain(QUEUES.relationships);
    await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/429/);
    expect((await relationshipOf(world.relationshipId)).status).toBe("pending");
    await partnerCenter.control("faults", { status: 500, latencyMs: 50, count: 1 });
    await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/500/);
    await processRelationshipMessage(message?.body, context());
    expect((await relationshipOf(world.relationshipId)).status).toBe("active");
  });
});

describe("delegated admin relationships in Graph (MP-2, PC-2)", () => {
  it("an approval Graph confirms is recorded as granted; its termination moves it on", async () => {
    const world = await invited({ delegatedAdmin: true });
    await accept(world);
    await processQueue();
    const approved = (await partnerCenter.control("delegated-admin", {
      partnerTenantId: world.tenantId,
      customerId: world.customerId,
      status: "active",
    })) as { id: string; status: number };
    expect(approved.status).toBe(202);
    await processQueue();
    const granted = await relationshipOf(world.relationshipId);
    expect(granted.status).toBe("active");
    expect(granted.delegatedAdminRelationship).toMatchObject({ id: approved.id, status: "granted" });
    expect(granted.history.at(-1)?.rules).toEqual(["MP-2"]);

    await partnerCenter.control("delegated-admin", {
      partnerTenantId: world.tenantId,
      customerId: world.customerId,
      id: approved.id,
      status: "terminated",
    });
    await processQueue();
    expect((await relationshipOf(world.relationshipId)).delegatedAdminRelationship).toMatchObject({
      id: approved.id,
      status: "terminated",
    });
  });

  it("an approval event Graph contradicts (still pending approval) changes nothing", async () => {
    const world = await invited({ delegatedAdmin: true });
    await accept(world);
    await processQueue();
    const before = await tableSnapshot(http.store());
    const pending = (await partnerCenter.control("delegated-admin", {
      partnerTenantId: world.tenantId,
      customerId: world.customerId,
      status: "approvalPending",
    })) as { id: string; resourceUri: string };
    // Posted as an approval, while Graph shows the relationship still waiting for the customer.
    await partnerCenter.control("events", {
      partnerTenantId: world.tenantId,
      event: {
        EventName: "granular-admin-relationship-approved",
        ResourceUri: pending.resourceUri,
        ResourceName: "delegatedAdminRelationship",
        AuditUri: null,
        ResourceChangeUtcDate: new Date().toISOString(),
      },
    });
    await processQueue();
    expect((await relationshipOf(world.relationshipId)).delegatedAdminRelationship).toBeUndefined();
    expect(await tableSnapshot(http.store())).toEqual(before);
  });
});

describe("only Partner Center's signature posts its events (PC-1)", () => {
  const eventPath = (partnerId: string) => `/api/partner-center/events/${partnerId}`;

  it.each([
    ["a forged signature (another key, Partner Center's certificate URL)", "forged"],
    ["a certificate URL off the allow-list (another Partner Center's own)", "elsewhere"],
  ] as const)("%s is refused, writing and queueing nothing", async (_case, how) => {
    const world = await invited();
    const body = JSON.stringify(acceptanceEvent(world.customerId));
    await partnerCenter.control(`customers/${world.customerId}/accept`, { partnerTenantId: world.tenantId });
    // The genuine delivery of that acceptance is dropped, so only the bad one could change anything.
    await http.drain(QUEUES.relationships);
    const before = await tableSnapshot(http.store());
    let headers: Record<string, string>;
    if (how === "forged") {
      const forger = await makeSigningCertificate(partnerCenter.pc().subject);
      headers = signatureHeaders(forger, partnerCenter.pc().url, body);
    } else {
      const other = await startLocalPartnerCenter({ port: 0, subject: partnerCenter.pc().subject });
      headers = other.sign(body);
      await other.close();
    }
    const answer = await call(postPartnerCenterEvent, "POST", eventPath(world.partnerId), {
      params: { partnerId: world.partnerId },
      raw: body,
      as: "nobody",
      headers,
    });
    expect(answer.status, answer.text).toBe(401);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(await http.drain(QUEUES.relationships)).toEqual([]);
    expect((await relationshipOf(world.relationshipId)).status).toBe("pending");
    expect(await tableSnapshot(http.store())).toEqual(before);
  });

  it("Partner Center's signature is good for nothing else: it cannot accept an invitation", async () => {
    const world = await invited();
    const path = `/api/relationships/${world.relationshipId}/acceptance`;
    const answer = await call(postAcceptance, "POST", path, {
      params: { id: world.relationshipId },
      key: uniqueId("k"),
      as: "nobody",
      headers: partnerCenter.pc().sign(""),
    });
    expect(answer.status, answer.text).toBe(403);
    expect((answer.body as { violations: { rule: string }[] }).violations.map((found) => found.rule)).toEqual(
      ["PC-1"],
    );
  });

  it("in records mode events are refused, however well signed", async () => {
    const world = await invited();
    process.env.PARTNER_CENTER_MODE = "records";
    const { resetConfigForTests } = await import("../../shared/config.js");
    resetConfigForTests();
    resetRuntime();
    try {
      const delivered = await accept(world);
      expect(delivered.status).toBe(401);
      expect(await http.drain(QUEUES.relationships)).toEqual([]);
      expect(partnerCenter.answers().at(-1)?.text).toMatch(/PARTNER_CENTER_MODE is records/);
    } finally {
      process.env.PARTNER_CENTER_MODE = "live";
      resetConfigForTests();
      resetRuntime();
    }
  });
});
