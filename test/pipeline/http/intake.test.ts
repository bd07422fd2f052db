import { describe, expect, it } from "vitest";

import { getMigration } from "../../../functions/getMigration.js";
import { getRelationship } from "../../../functions/getRelationship.js";
import { getSubscription } from "../../../functions/getSubscription.js";
import { listMigrations } from "../../../functions/listMigrations.js";
import { listRelationships } from "../../../functions/listRelationships.js";
import { postAcceptance } from "../../../functions/postAcceptance.js";
import { postMigration } from "../../../functions/postMigration.js";
import { postRelationshipRequest } from "../../../functions/postRelationshipRequest.js";
import { putCustomer } from "../../../functions/putCustomer.js";
import { putOffer } from "../../../functions/putOffer.js";
import { putSubscription } from "../../../functions/putSubscription.js";
import { QUEUES } from "../../../shared/messaging/messages.js";
import { listEntities } from "../../../shared/storage/index.js";
import { asCustomer } from "../../setup/callers.js";
import { uniqueId } from "../../setup/tables.js";
import { customerBody, registerCustomer, registerPartner, subscriptionBody } from "./reference.js";
import { call, usePipelineHttp } from "./support.js";

const http = usePipelineHttp(import.meta.url);

async function world() {
  const partnerId = uniqueId("partner");
  const customerId = uniqueId("customer");
  await registerPartner(partnerId);
  await registerCustomer(customerId);
  return { partnerId, customerId };
}

const relationshipRequest = (partnerId: string, customerId: string) => ({
  partnerId,
  customerId,
  actor: { userId: "ann@contoso", role: "global-admin" },
  delegatedAdmin: true,
});

describe("reference data", () => {
  it("creates (201) then replaces (200), and reads the subscription back as stored", async () => {
    const { customerId } = await world();
    const again = await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
      params: { customerId },
      body: { ...customerBody, name: "Fabrikam Ltd" },
    });
    expect(again.status).toBe(200);

    const params = { customerId, subscriptionId: "sub-1" };
    const path = `/api/customers/${customerId}/subscriptions/sub-1`;
    expect((await call(putSubscription, "PUT", path, { params, body: subscriptionBody })).status).toBe(201);
    expect(
      (await call(putSubscription, "PUT", path, { params, body: { ...subscriptionBody, seats: 30 } })).status,
    ).toBe(200);
    const read = await call(getSubscription, "GET", path, { params });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: "sub-1", customerId, ...subscriptionBody, seats: 30 });

    const offer = await call(putOffer, "PUT", "/api/offers/o365-e3", {
      params: { offerId: "o365-e3" },
      body: { name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
    });
    expect([200, 201]).toContain(offer.status);
  });

  it("refuses a subscription of an unknown customer with 404, writing nothing", async () => {
    const customerId = uniqueId("nobody");
    const params = { customerId, subscriptionId: "sub-1" };
    const answer = await call(putSubscription, "PUT", `/api/customers/${customerId}/subscriptions/sub-1`, {
      params,
      body: subscriptionBody,
    });
    expect(answer.status).toBe(404);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(await listEntities(http.store(), "subscription", customerId)).toEqual([]);
  });

  it("lists every schema problem of a subscription at once", async () => {
    const { customerId } = await world();
    const answer = await call(putSubscription, "PUT", `/api/customers/${customerId}/subscriptions/sub-2`, {
      params: { customerId, subscriptionId: "sub-2" },
      body: {
        ...subscriptionBody,
        seats: undefined,
        termEnd: "2025-01-01T00:00:00Z",
        channel: "csp",
        kind: "license",
      },
    });
    expect(answer.status).toBe(400);
    const paths = (answer.body as { errors: { path: string }[] }).errors.map((error) => error.path);
    expect(paths).toEqual(expect.arrayContaining(["/seats", "/termEnd", "/partnerOfRecord"]));
  });
});

describe("asynchronous requests", () => {
  it("stores a relationship request as submitted, queues it once, and answers 202 with Location", async () => {
    const { partnerId, customerId } = await world();
    await http.drain(QUEUES.relationships);
    const answer = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "k-1",
      body: relationshipRequest(partnerId, customerId),
    });
    expect(answer.status).toBe(202);
    const { id, status } = answer.body as { id: string; status: string };
    expect(status).toBe("submitted");
    expect(answer.headers.location).toBe(`/api/relationships/${id}`);

    const messages = await http.drain(QUEUES.relationships);
    expect(messages.map((message) => [message.messageId, message.body as unknown])).toEqual([
      [id, { schemaVersion: 1, type: "relationship-request", requestId: id, customerId, relationshipId: id }],
    ]);
    const read = await call(getRelationship, "GET", `/api/relationships/${id}`, {
      params: { id },
    });
    expect(read.body).toMatchObject({ id, partnerId, customerId, status: "submitted", delegatedAdmin: true });
    expect((read.body as { history: unknown[] }).history).toEqual([
      expect.objectContaining({ from: null, to: "submitted", by: "ann@contoso" }),
    ]);
    const list = await call(listRelationships, "GET", `/api/customers/${customerId}/relationships`, {
      params: { customerId },
    });
    expect((list.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([id]);
  });

  it("replays the first answer for the same key and body, refuses another body (422), and queues once", async () => {
    const { partnerId, customerId } = await world();
    await http.drain(QUEUES.relationships);
    const body = relationshipRequest(partnerId, customerId);
    const first = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "same",
      body,
    });
    const again = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "same",
      body,
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    const other = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "same",
      body: { ...body, delegatedAdmin: false },
    });
    expect(other.status).toBe(422);
    expect(await listEntities(http.store(), "relationship", customerId)).toHaveLength(1);
    expect(await http.drain(QUEUES.relationships)).toHaveLength(1);
  });

  it("takes 20 identical webhooks at once with one Idempotency-Key exactly once", async () => {
    const { partnerId, customerId } = await world();
    await http.drain(QUEUES.migrations);
    const body = {
      partnerId,
      customerId,
      actor: { userId: "bob@contoso", role: "sales-agent" },
      items: [{ subscriptionId: "sub-1", cancelOriginal: "at-term-end" }],
    };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(postMigration, "POST", "/api/migrations", { key: "burst", body }),
      ),
    );
    // Each is either the one answer (taken or replayed) or "still being taken" (409): never a second request.
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((answer) => answer.status === 202 || answer.status === 409)).toBe(true);
    expect(new Set(accepted.map((answer) => answer.text)).size).toBe(1);
    const migrations = await listEntities(http.store(), "migration", customerId);
    expect(migrations).toHaveLength(1);
    expect(await http.drain(QUEUES.migrations)).toHaveLength(1);

    const { id } = accepted[0]!.body as { id: string };
    const read = await call(getMigration, "GET", `/api/migrations/${id}`, { params: { id } });
    expect(read.body).toMatchObject({ id, status: "submitted", request: body.items, items: [] });
    const list = await call(listMigrations, "GET", `/api/customers/${customerId}/migrations`, {
      params: { customerId },
    });
    expect((list.body as { items: unknown[] }).items).toHaveLength(1);
  });

  it.each([
    ["ROLE-1", postRelationshipRequest, "/api/relationship-requests", "helpdesk-agent"],
    ["ROLE-2", postMigration, "/api/migrations", "global-admin"],
  ] as const)(
    "refuses a role that may not act with 403 naming %s, writing nothing",
    async (rule, handler, path, role) => {
      const { partnerId, customerId } = await world();
      const body =
        rule === "ROLE-1"
          ? { ...relationshipRequest(partnerId, customerId), actor: { userId: "x", role } }
          : {
              partnerId,
              customerId,
              actor: { userId: "x", role },
              items: [{ subscriptionId: "s", cancelOriginal: "keep" }],
            };
      const answer = await call(handler, "POST", path, { key: "k", body });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ status: 403, violations: [{ rule }] });
      expect(
        await listEntities(http.store(), rule === "ROLE-1" ? "relationship" : "migration", customerId),
      ).toEqual([]);
    },
  );

  it("refuses an unsigned or stale request with 401 before reading it", async () => {
    const { partnerId, customerId } = await world();
    const body = relationshipRequest(partnerId, customerId);
    const unsigned = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "u",
      body,
      as: "nobody",
    });
    const stale = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "u",
      body,
      now: new Date(Date.now() - 6 * 60_000),
    });
    expect([unsigned.status, stale.status]).toEqual([401, 401]);
    expect(await listEntities(http.store(), "relationship", customerId)).toEqual([]);
  });

  it("queues a customer's acceptance for an existing relationship, and 404s an unknown one", async () => {
    const { partnerId, customerId } = await world();
    const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: "k-acc",
      body: relationshipRequest(partnerId, customerId),
    });
    const { id } = requested.body as { id: string };
    await http.drain(QUEUES.relationships);
    const accepted = await call(postAcceptance, "POST", `/api/relationships/${id}/acceptance`, {
      params: { id },
      key: "yes",
      as: await asCustomer(customerId, { user: "carol@fabrikam.example" }),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.location).toBe(`/api/relationships/${id}`);
    const messages = await http.drain(QUEUES.relationships);
    expect(messages.map((message) => message.body as unknown)).toEqual([
      expect.objectContaining({
        type: "relationship-answer",
        relationshipId: id,
        answer: "accept",
        customerId,
        customerUserId: "carol@fabrikam.example",
      }),
    ]);
    const unknown = await call(postAcceptance, "POST", "/api/relationships/rel-nope/acceptance", {
      params: { id: "rel-nope" },
      key: "yes",
      as: await asCustomer(customerId),
    });
    expect(unknown.status).toBe(404);
  });
});
