/**
 * Partner Center's signed events through the whole local stack in `live` mode — the local Functions
 * host, Azurite, the Service Bus emulator and the stack's own local Partner Center: the customer
 * answers in the local Partner Center (its test controls), which posts its signed event to the
 * partner's webhook URL on the host; the service verifies it (PC-1), confirms it by reading Partner
 * Center or Graph as the partner (PC-2) and changes state at most once (PC-3). The partner reads
 * what came of it with its own key. "Changes nothing" compares the partner's view of the relationship
 * and every row of every table, taken once every queue has been worked off.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { makeSigningCertificate } from "../../local/partner-center/certificate.js";
import {
  acceptInPartnerCenter,
  linkLocalPartner,
  partnerCenterControl,
  partnerCenterRequests,
  startLocalPartnerCenter,
  type LocalPartnerCenterState,
} from "../../local/partner-center/index.js";
import { signatureHeaders } from "../../local/partner-center/server.js";
import type { LocalStack } from "../../local/stack.js";
import { relationshipViewSchema, type RelationshipView } from "../../shared/http/views.js";
import { readOutbox, type TableStore } from "../../shared/storage/index.js";
import { customerBody, partnerBody } from "../setup/bodies.js";
import { tableSnapshot, uniqueId } from "../setup/tables.js";
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

/** Nothing listens there: Partner Center's own delivery of an event is lost. */
const NOWHERE = "http://127.0.0.1:9/nowhere";

let stack: LocalStack;
let closeStack: () => Promise<void>;
let pc: LocalPartnerCenterState;
let tables: TableStore;

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack());
  if (stack.partnerCenter === undefined) throw new Error("the stack started no local Partner Center");
  pc = stack.partnerCenter;
  tables = stackTables(stack);
});

afterAll(async () => {
  await closeStack();
});

interface World {
  partnerId: string;
  tenantId: string;
  customerId: string;
  relationshipId: string;
  /** The partner's own key, issued by the operator. */
  key: SigningKey;
}

/** The URL a partner registers with Partner Center for its events. */
const eventsUrl = (partnerId: string) => new URL(`partner-center/events/${partnerId}`, stack.baseUrl).href;

/**
 * A partner connected to its tenant in the local Partner Center (its events posted to `webhookUrl`,
 * by default its own events URL on the host) and registered by the operator, with its key and its
 * pending invitation to a new (or the given, existing) customer.
 */
async function invited(
  options: { delegatedAdmin?: boolean; customerId?: string; webhookUrl?: string } = {},
): Promise<World> {
  const partnerId = uniqueId("contoso");
  const customerId = options.customerId ?? uniqueId("fabrikam");
  const { link, tenantId } = await linkLocalPartner({
    partnerCenterUrl: pc.url,
    secretsFile: pc.secretsFile,
    partnerId,
    webhookUrl: options.webhookUrl ?? eventsUrl(partnerId),
    tenantId: uniqueId("tenant"),
  });
  const operator = operatorOf(stack);
  const partner = await call(stack.baseUrl, operator, "PUT", `partners/${partnerId}`, {
    ...partnerBody,
    partnerCenter: link,
  });
  expect(partner.status, JSON.stringify(partner.body)).toBe(201);
  const key = await issuePartnerKey(stack.baseUrl, operator, partnerId);
  if (options.customerId === undefined) {
    const customer = await call(stack.baseUrl, key, "PUT", `customers/${customerId}`, customerBody);
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
  }
  const requested = await call(stack.baseUrl, key, "POST", "relationship-requests", {
    partnerId,
    customerId,
    actor: { userId: "alex@contoso.example", role: "sales-agent" },
    delegatedAdmin: options.delegatedAdmin ?? false,
  });
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  const world = {
    partnerId,
    tenantId,
    customerId,
    relationshipId: (requested.body as { id: string }).id,
    key,
  };
  await waitFor(
    () => relationshipOf(world),
    (view) => view.status === "pending",
  );
  return world;
}

/** The relationship as its partner reads it, with its own key. */
async function relationshipOf(world: World): Promise<RelationshipView> {
  const answer = await call(stack.baseUrl, world.key, "GET", `relationships/${world.relationshipId}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return relationshipViewSchema.parse(answer.body);
}

/** Once every queue is worked off: the partner's view of its relationship, and every row of every table. */
async function settled(world: World): Promise<{ relationship: RelationshipView; rows: string[] }> {
  await queuesWorkedOff(stack);
  return { relationship: await relationshipOf(world), rows: await tableSnapshot(tables) };
}

/** The customer accepts in the local Partner Center; its signed event goes to the partner's webhook. */
async function accept(world: World): Promise<Record<string, unknown>> {
  const delivery = await acceptInPartnerCenter(pc.url, world.customerId, world.tenantId);
  expect(delivery.status).toBe(202);
  return delivery.event;
}

/** The local Partner Center posts `event`, signed, to the partner's webhook (or to `url`). */
async function post(world: World, event: Record<string, unknown>, url?: string): Promise<number | undefined> {
  const delivery = await partnerCenterControl<{ status?: number }>(pc.url, "events", {
    partnerTenantId: world.tenantId,
    event,
    ...(url === undefined ? {} : { url }),
  });
  return delivery.status;
}

/** What the local Partner Center answered the service's confirming reads of a customer, as `tenantId`. */
async function customerReads(customerId: string, tenantId: string): Promise<number[]> {
  return (await partnerCenterRequests(pc.url))
    .filter(
      (request) =>
        request.method === "GET" &&
        request.path === `/v1/customers/${customerId}` &&
        request.partnerTenantId === tenantId,
    )
    .map((request) => request.status);
}

/** The event Partner Center posts when the customer accepts, whether or not the customer did. */
function acceptanceEvent(customerId: string): Record<string, unknown> {
  return {
    EventName: "reseller-relationship-accepted-by-customer",
    ResourceUri: `${pc.url}/v1/customers/${customerId}`,
    ResourceName: "customer",
    AuditUri: null,
    ResourceChangeUtcDate: new Date().toISOString(),
  };
}

describe("a customer's acceptance in the local Partner Center (TEN-3, PC-2, PC-3)", () => {
  it("accept → signed event → confirming read as the partner → the relationship is active", async () => {
    const world = await invited();
    await accept(world);
    const active = await waitFor(
      () => relationshipOf(world),
      (view) => view.status !== "pending",
    );
    expect(active).toMatchObject({ status: "active", answeredBy: "partner-center" });
    expect(active.history.at(-1)).toMatchObject({ from: "pending", to: "active", by: "partner-center" });
    expect(await customerReads(world.customerId, world.tenantId)).toEqual([200]);
  });

  it("a repeated event changes nothing twice", async () => {
    const world = await invited();
    const event = await accept(world);
    const before = await waitFor(
      () => settled(world),
      ({ relationship }) => relationship.status === "active",
    );
    // The same bytes: one message id, so Service Bus drops the repeat.
    expect(await post(world, event)).toBe(202);
    // The same event in other bytes (its fields in another order): past duplicate detection, read again, already active.
    expect(await post(world, Object.fromEntries(Object.entries(event).reverse()))).toBe(202);
    expect(await settled(world)).toEqual(before);
    expect(await customerReads(world.customerId, world.tenantId)).toEqual([200, 200]);
  });

  it("an event replayed to another partner's URL changes nothing for that partner", async () => {
    const a = await invited();
    const b = await invited({ customerId: a.customerId });
    const event = await accept(a);
    await waitFor(
      () => relationshipOf(a),
      (view) => view.status === "active",
    );
    const before = await settled(b);
    // Partner Center's signature, so the door takes it; read as partner B, the customer is not B's.
    expect(await post(a, event, eventsUrl(b.partnerId))).toBe(202);
    expect(await settled(b)).toEqual(before);
    expect(before.relationship.status).toBe("pending");
    expect(await customerReads(b.customerId, b.tenantId)).toEqual([404]);
  });

  it("an event the confirming read contradicts (the customer never accepted) changes nothing", async () => {
    const world = await invited();
    const before = await settled(world);
    expect(await post(world, acceptanceEvent(world.customerId))).toBe(202);
    expect(await settled(world)).toEqual(before);
    expect(before.relationship.status).toBe("pending");
    expect(await customerReads(world.customerId, world.tenantId)).toEqual([404]);
  });
});

describe("only Partner Center's signature posts its events (PC-1)", () => {
  it.each([
    ["a forged signature (another key, Partner Center's certificate URL)", "forged"],
    ["a certificate URL off the allow-list (another Partner Center's own)", "elsewhere"],
  ] as const)("%s is refused with 401 and changes nothing", async (_case, how) => {
    // The customer did accept, but Partner Center's own event was lost: only the bad one could tell.
    const world = await invited({ webhookUrl: NOWHERE });
    expect((await acceptInPartnerCenter(pc.url, world.customerId, world.tenantId)).status).toBeUndefined();
    const before = await settled(world);
    const body = JSON.stringify(acceptanceEvent(world.customerId));
    const elsewhere =
      how === "elsewhere" ? await startLocalPartnerCenter({ subject: pc.subject }) : undefined;
    try {
      const headers =
        elsewhere === undefined
          ? signatureHeaders(await makeSigningCertificate(pc.subject), pc.url, body)
          : elsewhere.sign(body);
      const answer = await fetch(eventsUrl(world.partnerId), {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect(await answer.json()).toMatchObject({ status: 401 });
      // Off the allow-list, its certificate is not even fetched.
      if (elsewhere !== undefined) expect(elsewhere.requests()).toEqual([]);
    } finally {
      await elsewhere?.close();
    }
    expect(await settled(world)).toEqual(before);
    expect(await customerReads(world.customerId, world.tenantId)).toEqual([]);
    // The same event, signed by Partner Center itself, is what would have made it active.
    expect(await post(world, acceptanceEvent(world.customerId), eventsUrl(world.partnerId))).toBe(202);
    await waitFor(
      () => relationshipOf(world),
      (view) => view.status === "active",
    );
  });
});

describe("a delegated admin relationship approved in the local Partner Center (MP-2, PC-2)", () => {
  it("Graph confirms it as the partner: recorded as granted; its termination moves it on", async () => {
    const world = await invited({ delegatedAdmin: true });
    await accept(world);
    await waitFor(
      () => relationshipOf(world),
      (view) => view.status === "active",
    );
    const approved = await partnerCenterControl<{ id: string; status?: number }>(pc.url, "delegated-admin", {
      partnerTenantId: world.tenantId,
      customerId: world.customerId,
      status: "active",
    });
    expect(approved.status).toBe(202);
    const granted = await waitFor(
      () => relationshipOf(world),
      (view) => view.delegatedAdminRelationship !== undefined,
    );
    expect(granted.status).toBe("active");
    expect(granted.delegatedAdminRelationship).toMatchObject({ id: approved.id, status: "granted" });
    expect(granted.history.at(-1)?.rules).toEqual(["MP-2"]);
    const graphPath = `/v1.0/tenantRelationships/delegatedAdminRelationships/${approved.id}`;
    expect(await partnerCenterRequests(pc.url)).toContainEqual(
      expect.objectContaining({
        method: "GET",
        path: graphPath,
        status: 200,
        partnerTenantId: world.tenantId,
      }),
    );

    const terminated = await partnerCenterControl<{ status?: number }>(pc.url, "delegated-admin", {
      partnerTenantId: world.tenantId,
      customerId: world.customerId,
      id: approved.id,
      status: "terminated",
    });
    expect(terminated.status).toBe(202);
    await waitFor(
      () => relationshipOf(world),
      (view) => view.delegatedAdminRelationship?.status === "terminated",
    );
    // Every change's events went out at once: nothing is left for the relay timer.
    await queuesWorkedOff(stack);
    expect(await readOutbox(tables, world.customerId)).toEqual([]);
  });
});
