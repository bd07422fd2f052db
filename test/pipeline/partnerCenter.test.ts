/**
 * Partner Center's signed events in `live` mode, in-process against the local Partner Center
 * (started for this file, as the emulator is), for what the end-to-end file
 * (test/e2e/partnerCenter.test.ts, the scenarios through the whole local stack) cannot reach or
 * would pay a stack for: Partner Center throttling and failing (thrown by the processor, asked again
 * later by its trigger, given up once the budget is spent), Graph contradicting a GDAP approval,
 * its signature used on another route, and `records` mode refusing events.
 */
import { InvocationContext } from "@azure/functions";
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it, vi } from "vitest";

import { getRelationship } from "../../functions/getRelationship.js";
import { postAcceptance } from "../../functions/postAcceptance.js";
import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import {
  processRelationshipMessage,
  relationshipTrigger,
} from "../../functions/processRelationshipMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putPartner } from "../../functions/putPartner.js";
import { acceptInPartnerCenter } from "../../local/partner-center/controls.js";
import type { RelationshipView } from "../../shared/http/views.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { resetRuntime, runtime } from "../../shared/pipeline/runtime.js";
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

const accept = (world: World) =>
  acceptInPartnerCenter(partnerCenter.pc().url, world.customerId, world.tenantId);

/** An invitation accepted in Partner Center: its event's message, taken off the queue, not yet processed. */
async function acceptedEvent(): Promise<{ world: World; message: ServiceBusReceivedMessage | undefined }> {
  const world = await invited();
  expect((await accept(world)).status).toBe(202);
  const [message] = await http.drain(QUEUES.relationships);
  return { world, message };
}

describe("Partner Center throttling or failing (PC-2)", () => {
  it("Partner Center throttling or failing: the message is retried and then confirmed", async () => {
    const { world, message } = await acceptedEvent();
    // Past the door (its certificate fetched): the confirming read is what Partner Center refuses.
    await partnerCenter.control("faults", { status: 429, retryAfterSeconds: 1, count: 1 });
    await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/429/);
    expect((await relationshipOf(world.relationshipId)).status).toBe("pending");
    await partnerCenter.control("faults", { status: 500, latencyMs: 50, count: 1 });
    await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/500/);
    await processRelationshipMessage(message?.body, context());
    expect((await relationshipOf(world.relationshipId)).status).toBe("active");
  });
});

/** Delivers a relationship-requests message through its registered trigger, as the host would; what it logged. */
async function deliver(message: ServiceBusReceivedMessage | undefined): Promise<string[]> {
  const lines: string[] = [];
  const invocation = new InvocationContext({
    functionName: "processRelationshipMessage",
    logHandler: (_level, ...args) => lines.push(args.map(String).join(" ")),
    triggerMetadata: {
      messageId: message?.messageId,
      applicationProperties: message?.applicationProperties ?? {},
    },
  });
  await relationshipTrigger.handler(message?.body, invocation);
  return lines;
}

describe("the event's confirming read throttled, through the trigger: asked again later", () => {
  it("a 429 sends a copy scheduled after Retry-After, which confirms; a 5xx once the budget is spent is thrown", async () => {
    const { world, message } = await acceptedEvent();
    await partnerCenter.control("faults", { status: 429, retryAfterSeconds: 1, count: 1 });
    const throttledAt = Date.now();
    const lines = await deliver(message);
    expect(lines.join("\n")).toMatch(/answered 429.*delivered again in 1\.00 s .*Retry-After; attempt 2 of/);
    expect((await relationshipOf(world.relationshipId)).status).toBe("pending");
    const scheduled = () => http.emulator().stats().entities[QUEUES.relationships]?.scheduled ?? 0;
    expect(scheduled()).toBe(1);
    await vi.waitFor(
      () => {
        expect(scheduled()).toBe(0);
      },
      { timeout: 5_000 },
    );
    const [copy, ...more] = await http.drain(QUEUES.relationships);
    expect(more).toEqual([]);
    expect(copy?.body).toEqual(message?.body);
    expect(copy?.messageId).toBe(`${String(message?.messageId)}.later-2`);
    expect(copy?.applicationProperties).toMatchObject({ redeliveryAttempt: 2 });
    expect((copy?.enqueuedTimeUtc?.getTime() ?? 0) - throttledAt).toBeGreaterThanOrEqual(1_000);

    // The copy, on the budget's last delivery, meets a 500: given up, thrown so Service Bus dead-letters it.
    const last = {
      ...copy,
      applicationProperties: {
        ...copy?.applicationProperties,
        redeliveryAttempt: runtime().config.PARTNER_CENTER_RETRY_ATTEMPTS,
      },
    } as ServiceBusReceivedMessage;
    await partnerCenter.control("faults", { status: 500, count: 1 });
    await expect(deliver(last)).rejects.toThrow(/still failing after \d+ deliveries.*given up/);
    expect(scheduled()).toBe(0);
    await deliver(copy);
    expect((await relationshipOf(world.relationshipId)).status).toBe("active");
  });
});

describe("delegated admin relationships in Graph (MP-2, PC-2)", () => {
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
