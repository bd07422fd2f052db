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
import { getRelationship } from "../../functions/getRelationship.js";
import { postAcceptance } from "../../functions/postAcceptance.js";
import { postMigration } from "../../functions/postMigration.js";
import { postRelationshipRequest } from "../../functions/postRelationshipRequest.js";
import { processRelationshipMessage } from "../../functions/processRelationshipMessage.js";
import { putCustomer } from "../../functions/putCustomer.js";
import { putOffer } from "../../functions/putOffer.js";
import { putPartner } from "../../functions/putPartner.js";
import { putSubscription } from "../../functions/putSubscription.js";
import { getConfig, resetConfigForTests } from "../../shared/config.js";
import { ENTRA_ROLE_DEFINITIONS } from "../../shared/domain/index.js";
import type { EventEnvelope } from "../../shared/events/catalogue.js";
import type { MigrationView, RelationshipView } from "../../shared/http/views.js";
import { eventsCarried, partnerEventMessageSchema, QUEUES } from "../../shared/messaging/messages.js";
import { PartnerCenterClient } from "../../shared/partnerCenter/client.js";
import { secretReaderFor } from "../../shared/partnerCenter/secrets.js";
import { resetRuntime } from "../../shared/pipeline/runtime.js";
import { asCustomer } from "../setup/callers.js";
import { uniqueId } from "../setup/tables.js";
import { customerBody, partnerBody, subscriptionBody } from "./http/reference.js";
import { postMigrationAs } from "./http/liveOrders.js";
import { usePartnerCenter } from "./http/partnerCenter.js";
import { call, usePipelineHttp } from "./http/support.js";
import { workOffQueues } from "./http/queues.js";
import { withTableWriteFault } from "./http/storeFault.js";

const http = usePipelineHttp(import.meta.url);
const partnerCenter = usePartnerCenter();
const context = () => new InvocationContext({ functionName: "pc-actions", invocationId: "pc-actions" });
const actor = { userId: "ann@contoso", role: "global-admin" };

const processQueues = () => workOffQueues(http, context);

/** Runs `body` with these settings, then restores the file's (live mode, defaults). */
async function withSettings<T>(settings: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    resetConfigForTests();
    resetRuntime();
  };
  apply(settings);
  try {
    return await body();
  } finally {
    apply(before);
  }
}

const inMode = <T>(mode: "records" | "live", body: () => Promise<T>) =>
  withSettings({ PARTNER_CENTER_MODE: mode }, body);

async function relationshipOf(id: string): Promise<RelationshipView> {
  const answer = await call(getRelationship, "GET", `/api/relationships/${id}`, { params: { id } });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as RelationshipView;
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
async function parties(
  partnerCenterFields: Record<string, unknown> = {},
  partnerFields: Record<string, unknown> = {},
): Promise<Parties> {
  const { partnerId, tenantId } = await linkedPartner(partnerCenterFields, partnerFields);
  const customerId = uniqueId("fabrikam");
  const customer = await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
    params: { customerId },
    body: customerBody,
  });
  expect(customer.status, customer.text).toBe(201);
  return { partnerId, customerId, tenantId };
}

/** A partner registered by the operator with its link to its tenant in the local Partner Center. */
async function linkedPartner(
  partnerCenterFields: Record<string, unknown> = {},
  partnerFields: Record<string, unknown> = {},
): Promise<{ partnerId: string; tenantId: string }> {
  const partnerId = uniqueId("contoso");
  const { link, tenantId } = await partnerCenter.link(partnerId);
  const partner = await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
    params: { partnerId },
    body: { ...partnerBody, ...partnerFields, partnerCenter: { ...link, ...partnerCenterFields } },
  });
  expect(partner.status, partner.text).toBe(201);
  return { partnerId, tenantId };
}

async function requestRelationship(
  world: Parties,
  delegatedAdmin: boolean,
  more: Record<string, unknown> = {},
): Promise<string> {
  const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
    key: uniqueId("rel"),
    body: { partnerId: world.partnerId, customerId: world.customerId, actor, delegatedAdmin, ...more },
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
      const migrationId = await requestMigration(
        world,
        [
          { subscriptionId: "ea-1", cancelOriginal: "at-term-end" },
          { subscriptionId: "ea-2", cancelOriginal: "immediately" },
          { subscriptionId: "not-there", cancelOriginal: "at-term-end" },
        ],
        ["ea-1", "ea-2"],
      );
      await processQueues();
      const migration = await migrationOf(migrationId);
      expect(migration.items.map((item) => [item.status, item.execution])).toEqual([
        ["provisioned", "recorded"],
        ["original-cancelled", "recorded"],
        ["rejected", undefined],
      ]);
      // Nothing was asked of Partner Center for it.
      expect(partnerCenter.requestsAs(world.tenantId)).toEqual([]);
    });
  });
});

/** The events relayed so far about one customer (the partner-events queue, drained), each relay's in order. */
const relayed: EventEnvelope[] = [];
async function eventsOf(customerId: string): Promise<EventEnvelope[]> {
  for (const message of await http.drain(QUEUES.events))
    relayed.push(...eventsCarried(partnerEventMessageSchema.parse(message.body)));
  return relayed.filter((event) => event.customerId === customerId);
}

type RequestedItem = { subscriptionId: string; cancelOriginal: "at-term-end" | "immediately" };

/**
 * A migration of the customer's licence subscriptions, posted by the partner; its id. `stored`: the
 * subscriptions PUT first (an item naming another is one the service does not know).
 */
async function requestMigration(
  world: Parties,
  items: readonly RequestedItem[] = [{ subscriptionId: "ea-1", cancelOriginal: "at-term-end" }],
  stored: readonly string[] = items.map((item) => item.subscriptionId),
): Promise<string> {
  const offer = await call(putOffer, "PUT", "/api/offers/o365-e3", {
    params: { offerId: "o365-e3" },
    body: { name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
  });
  expect(offer.status, offer.text).toBeLessThan(300);
  for (const subscriptionId of stored) {
    const put = await call(
      putSubscription,
      "PUT",
      `/api/customers/${world.customerId}/subscriptions/${subscriptionId}`,
      { params: { customerId: world.customerId, subscriptionId }, body: subscriptionBody },
    );
    expect(put.status, put.text).toBe(201);
  }
  return postMigrationAs(world, items);
}

/** The GDAP relationships the local Partner Center holds for a partner tenant. */
function gdapOf(tenantId: string): Record<string, unknown>[] {
  return partnerCenter
    .pc()
    .delegatedAdminRelationships()
    .filter((found) => found.partnerTenantId === tenantId);
}

/** What the service asked of Partner Center and Graph as this partner: "METHOD path" (token exchanges aside). */
function askedAs(tenantId: string): string[] {
  return partnerCenter
    .requestsAs(tenantId)
    .map((request) => `${request.method} ${decodeURIComponent(request.path.replaceAll("+", "%20"))}`);
}

describe("live mode: the invitation is made in Partner Center and shown", () => {
  it("a request for delegated admin gets the reseller link and a GDAP relationship locked for approval", async () => {
    const world = await parties();
    const relationshipId = await requestRelationship(world, true);
    await processQueues();
    const relationship = await relationshipOf(relationshipId);
    expect(relationship.status).toBe("pending");
    const invitation = relationship.invitation;
    expect(new URL(invitation?.resellerRelationshipUrl ?? "").searchParams.get("partnerId")).toBe(
      world.tenantId,
    );
    const [gdap, ...more] = gdapOf(world.tenantId);
    expect(more).toEqual([]);
    expect(gdap).toMatchObject({
      id: invitation?.delegatedAdmin?.id,
      displayName: invitation?.delegatedAdmin?.displayName,
      status: "approvalPending",
      duration: "P730D",
      autoExtendDuration: "P180D",
      customer: { tenantId: world.customerId, displayName: customerBody.name },
      accessDetails: {
        unifiedRoles: [
          { roleDefinitionId: ENTRA_ROLE_DEFINITIONS.userAdministrator },
          { roleDefinitionId: ENTRA_ROLE_DEFINITIONS.licenseAdministrator },
          { roleDefinitionId: ENTRA_ROLE_DEFINITIONS.directoryReaders },
        ],
      },
    });
    expect(invitation?.delegatedAdmin).toMatchObject({
      roleTemplate: "license-management",
      duration: "P730D",
    });
    expect(invitation?.delegatedAdmin?.approvalUrl).toContain(String(gdap?.id));
    const name = invitation?.delegatedAdmin?.displayName ?? "";
    expect(askedAs(world.tenantId)).toEqual([
      "GET /v1/customers/relationshiprequests",
      `GET /v1.0/tenantRelationships/delegatedAdminRelationships?$filter=displayName eq '${name}'`,
      "POST /v1.0/tenantRelationships/delegatedAdminRelationships",
      `POST /v1.0/tenantRelationships/delegatedAdminRelationships/${String(gdap?.id)}/requests`,
    ]);
    // The partner's portal learns the links from an event of their own, after the pending one.
    const events = (await eventsOf(world.customerId)).filter((event) => event.resource.id === relationshipId);
    expect(events.map((event) => [event.type, event.sequence, event.data.from, event.data.rules])).toEqual([
      ["relationship-requested", 1, null, []],
      ["relationship-invitation-sent", 2, "submitted", ["REL-1"]],
      ["relationship-invitation-made", 3, "pending", ["REL-1", "MP-2"]],
    ]);
    expect(events[2]?.resource.status).toBe("pending");
    expect(events[2]?.data.invitation).toEqual(invitation);
    expect(relationship.history.at(-1)).toMatchObject({
      from: "pending",
      to: "pending",
      rules: ["REL-1", "MP-2"],
    });
  });

  it("Global Administrator among the roles: the GDAP relationship is not auto-extended; no delegated admin, no GDAP", async () => {
    const admin = await parties({ delegatedAdminRoleTemplate: "global-admin" });
    await requestRelationship(admin, true);
    const plain = await parties();
    const plainId = await requestRelationship(plain, false);
    await processQueues();
    expect(gdapOf(admin.tenantId)).toMatchObject([
      {
        autoExtendDuration: "PT0S",
        accessDetails: { unifiedRoles: [{ roleDefinitionId: ENTRA_ROLE_DEFINITIONS.globalAdministrator }] },
      },
    ]);
    const invitation = (await relationshipOf(plainId)).invitation;
    expect(invitation?.resellerRelationshipUrl).toMatch(/^https:\/\/admin\.microsoft\.com\//);
    expect(invitation?.delegatedAdmin).toBeUndefined();
    expect(gdapOf(plain.tenantId)).toEqual([]);
    expect(askedAs(plain.tenantId)).toEqual(["GET /v1/customers/relationshiprequests"]);
  });
});

describe("live mode: two-tier CSP", () => {
  it("an indirect provider's request for its reseller gets the provider's link for that reseller", async () => {
    const provider = await parties({}, { kind: "indirect-provider" });
    const reseller = await linkedPartner(
      {},
      { kind: "indirect-reseller", indirectProviderId: provider.partnerId },
    );
    const relationshipId = await requestRelationship(provider, false, {
      indirectResellerId: reseller.partnerId,
    });
    await processQueues();
    const relationship = await relationshipOf(relationshipId);
    expect(relationship).toMatchObject({ status: "pending", indirectResellerId: reseller.partnerId });
    expect(relationship.invitation?.indirectResellerId).toBe(reseller.partnerId);
    const link = new URL(relationship.invitation?.resellerRelationshipUrl ?? "");
    expect(link.searchParams.get("partnerId")).toBe(reseller.tenantId);
    expect(link.searchParams.get("indirectCSPId")).toBe(provider.tenantId);
    expect(askedAs(provider.tenantId)).toEqual([
      `GET /v1/customers/relationshiprequests?indirectResellerId=${reseller.tenantId}`,
    ]);
  });
});

describe("live mode: one GDAP relationship, however often the message comes", () => {
  it("the request delivered 3 times creates one GDAP relationship and records one invitation", async () => {
    const world = await parties();
    const relationshipId = await requestRelationship(world, true);
    const [message] = await http.drain(QUEUES.relationships);
    for (const _ of [1, 2, 3]) await processRelationshipMessage(message?.body, context());
    expect(gdapOf(world.tenantId)).toHaveLength(1);
    const asked = askedAs(world.tenantId);
    expect(
      asked.filter((line) => line === "POST /v1.0/tenantRelationships/delegatedAdminRelationships"),
    ).toHaveLength(1);
    expect(asked.filter((line) => line.endsWith("/requests"))).toHaveLength(1);
    const relationship = await relationshipOf(relationshipId);
    expect(relationship.invitation?.delegatedAdmin?.id).toBe(gdapOf(world.tenantId)[0]?.id);
    // Partner Center was asked only by the first delivery; the later ones found the invitation recorded.
    expect(asked.filter((line) => line === "GET /v1/customers/relationshiprequests")).toHaveLength(1);
  });

  it("a crash after Graph created it, before the lock, and again before the table write: still one", async () => {
    const world = await parties();
    const relationshipId = await requestRelationship(world, true);
    const [message] = await http.drain(QUEUES.relationships);
    // The lock fails (Graph down): the function throws after the GDAP relationship exists.
    const lockPath = /\/delegatedAdminRelationships\/[^/]+\/requests$/;
    await partnerCenter.control("faults", { status: 503, count: 1, path: lockPath.source });
    await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/503/);
    expect(gdapOf(world.tenantId)).toMatchObject([{ status: "created" }]);
    expect((await relationshipOf(relationshipId)).invitation).toBeUndefined();

    // Redelivered: it finds that relationship and locks it; then the process dies before the write lands.
    const fired = await withTableWriteFault(import.meta.url, "resellerRelationshipUrl", async () => {
      await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/injected fault/);
    });
    expect(fired).toBe(1);
    expect(gdapOf(world.tenantId)).toMatchObject([{ status: "approvalPending" }]);
    expect((await relationshipOf(relationshipId)).invitation).toBeUndefined();

    // Redelivered again: nothing more in Graph, and the invitation is recorded.
    await processRelationshipMessage(message?.body, context());
    const [gdap, ...more] = gdapOf(world.tenantId);
    expect(more).toEqual([]);
    expect((await relationshipOf(relationshipId)).invitation?.delegatedAdmin?.id).toBe(gdap?.id);
    const asked = askedAs(world.tenantId);
    expect(
      asked.filter((line) => line === "POST /v1.0/tenantRelationships/delegatedAdminRelationships"),
    ).toHaveLength(1);
    expect(asked.filter((line) => line.endsWith("/requests"))).toHaveLength(2);
  });

  it("Partner Center throttling (429) throws, so Service Bus redelivers; nothing is recorded until it answers", async () => {
    const world = await parties();
    const relationshipId = await requestRelationship(world, true);
    const [message] = await http.drain(QUEUES.relationships);
    await partnerCenter.control("faults", { status: 429, retryAfterSeconds: 2, count: 2 });
    for (const _ of [1, 2])
      await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/429/);
    expect((await relationshipOf(relationshipId)).invitation).toBeUndefined();
    await processRelationshipMessage(message?.body, context());
    expect((await relationshipOf(relationshipId)).invitation?.delegatedAdmin?.id).toBe(
      gdapOf(world.tenantId)[0]?.id,
    );
    expect(gdapOf(world.tenantId)).toHaveLength(1);
  });
});

describe("live mode: one token exchange per partner and API at a time", () => {
  it("calls that need a token at the same moment share one exchange, later ones use it", async () => {
    const { link, tenantId } = await partnerCenter.link(uniqueId("contoso"));
    const client = new PartnerCenterClient(getConfig(), secretReaderFor(getConfig()));
    const exchanges = () =>
      partnerCenter
        .pc()
        .requests()
        .filter((request) => request.path === `/${tenantId}/oauth2/v2.0/token`).length;
    const customers = ["a", "b", "c", "d", "e", "f"].map((suffix) => uniqueId(`token-${suffix}`));
    await Promise.all(customers.map((customerId) => client.customer(link, customerId)));
    expect(exchanges()).toBe(1);
    await Promise.all([client.customer(link, "later"), client.relationshipRequestLink(link, {})]);
    // Graph's token is another API's: one more exchange, and Partner Center's is reused.
    await client.delegatedAdminRelationshipsNamed(link, "none");
    expect(exchanges()).toBe(2);
  });
});

describe("live mode: a refusal rejects the relationship (REL-4), not retried", () => {
  it("Partner Center answering 400: rejected with its answer, the waiting migration too, the portal told; a redelivery asks nothing more; a new request is made", async () => {
    const world = await parties();
    const relationshipId = await requestRelationship(world, true);
    const [message] = await http.drain(QUEUES.relationships);
    // Throttled first, so the relationship is pending and a migration comes to wait on it.
    await partnerCenter.control("faults", { status: 429, count: 1, path: "relationshiprequests$" });
    await expect(processRelationshipMessage(message?.body, context())).rejects.toThrow(/429/);
    expect((await relationshipOf(relationshipId)).status).toBe("pending");
    const migrationId = await requestMigration(world);
    await processQueues();
    expect((await migrationOf(migrationId)).status).toBe("awaiting-relationship");

    await partnerCenter.control("faults", { status: 400, count: 1, path: "relationshiprequests$" });
    await processRelationshipMessage(message?.body, context());
    const relationship = await relationshipOf(relationshipId);
    expect(relationship.status).toBe("rejected");
    expect(relationship.invitation).toBeUndefined();
    expect(relationship.invitationError).toMatchObject({ status: 400 });
    expect(relationship.invitationError?.message).toMatch(/Injected by the local Partner Center/);
    expect(relationship.violations.map((found) => found.rule)).toEqual(["REL-4"]);
    expect(relationship.violations[0]?.message).toMatch(
      /^Partner Center refused .*400 .*Injected by the local Partner Center.*request the relationship again$/,
    );
    const migration = await migrationOf(migrationId);
    expect(migration.status).toBe("rejected");
    expect(migration.violations.map((found) => found.rule)).toEqual(["REL-4"]);
    const events = await eventsOf(world.customerId);
    expect(
      events.find((event) => event.resource.id === relationshipId && event.type === "relationship-rejected"),
    ).toMatchObject({ data: { from: "pending", rules: ["REL-4"] } });
    expect(events.find((event) => event.type === "relationship-rejected")?.data.note).toContain(
      "Injected by the local Partner Center",
    );
    expect(
      events.some((event) => event.resource.id === migrationId && event.type === "migration-rejected"),
    ).toBe(true);

    const asked = askedAs(world.tenantId).length;
    await processRelationshipMessage(message?.body, context());
    expect(askedAs(world.tenantId)).toHaveLength(asked);
    expect(gdapOf(world.tenantId)).toEqual([]);
    expect((await relationshipOf(relationshipId)).status).toBe("rejected");

    // The partner asks again: REL-1 no longer counts the rejected one, and the invitation is made.
    const again = await requestRelationship(world, true);
    await processQueues();
    const retried = await relationshipOf(again);
    expect(retried.status).toBe("pending");
    expect(retried.invitation?.delegatedAdmin?.id).toBe(gdapOf(world.tenantId)[0]?.id);
  });
});

describe("MIDTERM_LICENSE_TRANSFERS, both settings, through the live stack (MC-3)", () => {
  /** A partner whose invitation the customer accepted in Partner Center, and a licence another CSP partner holds mid-term. */
  async function acceptedWithOtherPartnersLicence(): Promise<Parties> {
    const world = await parties();
    await requestRelationship(world, false);
    await processQueues();
    await partnerCenter.control(`customers/${world.customerId}/accept`, { partnerTenantId: world.tenantId });
    await processQueues();
    await call(putOffer, "PUT", "/api/offers/o365-e3", {
      params: { offerId: "o365-e3" },
      body: { name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
    });
    const stored = await call(
      putSubscription,
      "PUT",
      `/api/customers/${world.customerId}/subscriptions/csp-1`,
      {
        params: { customerId: world.customerId, subscriptionId: "csp-1" },
        body: { ...subscriptionBody, channel: "csp", partnerOfRecord: "another-csp" },
      },
    );
    expect(stored.status, stored.text).toBe(201);
    return world;
  }

  it.each([
    ["false", "rejected", "license-move", ["MC-3"]],
    // Not completed: its only item was not transferred (below), so the migration fails, saying why.
    ["true", "failed", "license-transfer", []],
  ])(
    "MIDTERM_LICENSE_TRANSFERS=%s → the migration is %s, its item %s",
    async (setting, status, path, rules) => {
      await withSettings({ MIDTERM_LICENSE_TRANSFERS: setting }, async () => {
        const world = await acceptedWithOtherPartnersLicence();
        const requested = await call(postMigration, "POST", "/api/migrations", {
          key: uniqueId("mig"),
          body: {
            partnerId: world.partnerId,
            customerId: world.customerId,
            actor: { userId: "bob@contoso", role: "account-admin" },
            items: [{ subscriptionId: "csp-1", cancelOriginal: "at-term-end" }],
          },
        });
        expect(requested.status, requested.text).toBe(202);
        await processQueues();
        const migration = await migrationOf((requested.body as { id: string }).id);
        expect(migration.status).toBe(status);
        const [line] = migration.items;
        expect(line?.path).toBe(path);
        expect(line?.violations.map((found) => found.rule)).toEqual(rules);
        // Live mode transfers it in Partner Center; the partner it moves from is none the service
        // knows, so nothing is transferred and the item says why (test/pipeline/partnerCenterTransfers.test.ts).
        if (status === "failed")
          expect(line).toMatchObject({
            newSubscriptionId: "csp-1",
            execution: "transfer-failed",
            transferError: { rule: "MC-3", status: null },
          });
      });
    },
  );
});
