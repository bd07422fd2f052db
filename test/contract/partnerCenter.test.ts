/**
 * The contract with Partner Center, Graph and the token endpoint: the fixtures (Microsoft's
 * documented shapes, local/partner-center/fixtures/PROVENANCE.md) parse with the schemas the service
 * reads them with, and the local Partner Center answers — and posts its events — in exactly those
 * shapes, so the service is never tested against shapes of this project's own making.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { partnerCenterControl } from "../../local/partner-center/controls.js";
import { fixture, fixtureNames, type FixtureName } from "../../local/partner-center/fixtures.js";
import { startLocalPartnerCenter, type LocalPartnerCenter } from "../../local/partner-center/server.js";
import {
  cartCheckoutResultSchema,
  cartSchema,
  customerResourceSchema,
  delegatedAdminRelationshipListSchema,
  delegatedAdminRelationshipRequestSchema,
  delegatedAdminRelationshipSchema,
  partnerCenterEventSchema,
  relationshipRequestResourceSchema,
  tokenResponseSchema,
  transferEntitySchema,
  transferListSchema,
} from "../../shared/partnerCenter/shapes.js";

const SCHEMAS: Record<FixtureName, { safeParse: (value: unknown) => { success: boolean } }> = {
  "event-test-created": partnerCenterEventSchema,
  customer: customerResourceSchema,
  "delegated-admin-relationship": delegatedAdminRelationshipSchema,
  "token-response": tokenResponseSchema,
  "relationship-request": relationshipRequestResourceSchema,
  "delegated-admin-relationships": delegatedAdminRelationshipListSchema,
  "delegated-admin-relationship-request": delegatedAdminRelationshipRequestSchema,
  cart: cartSchema,
  "cart-checkout-result": cartCheckoutResultSchema,
  transfer: transferEntitySchema,
};

/** Where every value sits and what type it is: the shape, without the values. */
function shapeOf(value: unknown, at = "$"): string[] {
  if (Array.isArray(value)) return [`${at}: array`, ...value.flatMap((item) => shapeOf(item, `${at}[]`))];
  if (value !== null && typeof value === "object") {
    return [
      `${at}: object`,
      ...Object.entries(value).flatMap(([key, child]) => shapeOf(child, `${at}.${key}`)),
    ].sort();
  }
  return [`${at}: ${value === null ? "null" : typeof value}`];
}

let pc: LocalPartnerCenter;
let token: string;
const tenantId = "contract-partner";
const customerId = "contract-customer";

beforeAll(async () => {
  pc = await startLocalPartnerCenter({ port: 0 });
  const control = (path: string, body: unknown) =>
    partnerCenterControl<Record<string, string>>(pc.url, path, body);
  // Nothing listens at the webhook: the delivery fails, the event is still recorded as sent.
  const tenant = await control("partners", { tenantId, webhookUrl: "http://127.0.0.1:9/nowhere" });
  await control(`customers/${customerId}/accept`, { partnerTenantId: tenantId });
  await control("delegated-admin", {
    partnerTenantId: tenantId,
    customerId,
    id: "gdap-contract",
    status: "active",
  });
  const answer = await fetch(`${pc.url}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: tenant.applicationId ?? "",
      client_secret: tenant.applicationSecret ?? "",
      refresh_token: tenant.refreshToken ?? "",
      scope: "https://api.partnercenter.microsoft.com/.default",
    }),
  });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as Record<string, unknown>;
  expect(shapeOf(body)).toEqual(shapeOf(fixture("token-response")));
  token = String(body.access_token);
});

afterAll(async () => {
  await pc.close();
});

async function read(path: string): Promise<unknown> {
  const response = await fetch(`${pc.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.json();
}

async function create(path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(`${pc.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return response.json();
}

describe("Microsoft's documented shapes", () => {
  it.each(fixtureNames())("the %s fixture parses with the schema the service reads it with", (name) => {
    expect(SCHEMAS[name].safeParse(fixture(name)).success).toBe(true);
  });

  it("a documented event with one property more is refused: the event schema is the whole payload", () => {
    expect(partnerCenterEventSchema.safeParse({ ...fixture("event-test-created"), Extra: 1 }).success).toBe(
      false,
    );
  });
});

describe("the local Partner Center answers in those shapes", () => {
  it("GET /v1/customers/{id}: a Customer resource", async () => {
    const customer = await read(`/v1/customers/${customerId}`);
    expect(shapeOf(customer)).toEqual(shapeOf(fixture("customer")));
    expect(customerResourceSchema.parse(customer).companyProfile.tenantId).toBe(customerId);
  });

  it("GET /v1.0/tenantRelationships/delegatedAdminRelationships/{id}: a delegatedAdminRelationship", async () => {
    const relationship = await read("/v1.0/tenantRelationships/delegatedAdminRelationships/gdap-contract");
    expect(shapeOf(relationship)).toEqual(shapeOf(fixture("delegated-admin-relationship")));
    expect(delegatedAdminRelationshipSchema.parse(relationship)).toMatchObject({
      id: "gdap-contract",
      status: "active",
      customer: { tenantId: customerId },
    });
  });

  it("GET /v1/customers/relationshiprequests: a RelationshipRequest, the partner's link (or its reseller's)", async () => {
    const direct = await read("/v1/customers/relationshiprequests");
    expect(shapeOf(direct)).toEqual(shapeOf(fixture("relationship-request")));
    const url = new URL(relationshipRequestResourceSchema.parse(direct).url);
    expect(url.searchParams.get("partnerId")).toBe(tenantId);
    const indirect = relationshipRequestResourceSchema.parse(
      await read("/v1/customers/relationshiprequests?indirectResellerId=reseller-1"),
    );
    expect(new URL(indirect.url).searchParams.get("partnerId")).toBe("reseller-1");
    expect(new URL(indirect.url).searchParams.get("indirectCSPId")).toBe(tenantId);
  });

  it("creating a GDAP relationship, listing it by name and locking it: Graph's shapes", async () => {
    const asked = {
      displayName: "contract gdap",
      duration: "P730D",
      customer: { tenantId: customerId, displayName: "Contract customer" },
      accessDetails: { unifiedRoles: [{ roleDefinitionId: "88d8e3e3-8f55-4a1e-953a-9b9898b8876b" }] },
      autoExtendDuration: "P180D",
    };
    const created = await create("/v1.0/tenantRelationships/delegatedAdminRelationships", asked);
    expect(shapeOf(created)).toEqual(shapeOf(fixture("delegated-admin-relationship")));
    const { id, status } = delegatedAdminRelationshipSchema.parse(created);
    expect(status).toBe("created");
    const listed = await read(
      `/v1.0/tenantRelationships/delegatedAdminRelationships?$filter=${encodeURIComponent("displayName eq 'contract gdap'")}`,
    );
    expect(shapeOf(listed)).toEqual(shapeOf(fixture("delegated-admin-relationships")));
    expect(delegatedAdminRelationshipListSchema.parse(listed).value.map((found) => found.id)).toEqual([id]);
    const locked = await create(`/v1.0/tenantRelationships/delegatedAdminRelationships/${id}/requests`, {
      action: "lockForApproval",
    });
    expect(shapeOf(locked)).toEqual(shapeOf(fixture("delegated-admin-relationship-request")));
    const after = await read(`/v1.0/tenantRelationships/delegatedAdminRelationships/${id}`);
    expect(delegatedAdminRelationshipSchema.parse(after).status).toBe("approvalPending");
  });

  it("a cart and its checkout: Partner Center's shapes; the same MS-RequestId and a second checkout buy nothing more", async () => {
    const requestId = { "ms-requestid": "0f5b8f7e-2a1c-4d3e-9b6a-7c8d9e0f1a2b" };
    const lineItems = [
      { id: 0, catalogItemId: "EXMPL:0001:EXMPL", quantity: 3, billingCycle: "monthly", termDuration: "P1Y" },
    ];
    const cart = await create(`/v1/customers/${customerId}/carts`, { lineItems }, requestId);
    expect(shapeOf(cart)).toEqual(shapeOf(fixture("cart")));
    const { id } = cartSchema.parse(cart);
    const again = cartSchema.parse(
      await create(`/v1/customers/${customerId}/carts`, { lineItems }, requestId),
    );
    expect(again.id).toBe(id);
    const checkout = await create(`/v1/customers/${customerId}/carts/${id}/checkout`, {}, requestId);
    expect(shapeOf(checkout)).toEqual(shapeOf(fixture("cart-checkout-result")));
    const result = cartCheckoutResultSchema.parse(checkout);
    const repeated = await create(`/v1/customers/${customerId}/carts/${id}/checkout`, {}, requestId);
    expect(cartCheckoutResultSchema.parse(repeated)).toEqual(result);
    expect(pc.orders()).toMatchObject([
      {
        id: result.orders[0]?.id,
        cartId: id,
        lineItems: [{ quantity: 3, catalogItemId: "EXMPL:0001:EXMPL" }],
      },
    ]);
  });

  it("a transfer: Partner Center's shapes; the same MS-RequestId makes no second; Active until read twice, then Complete", async () => {
    const requestId = { "ms-requestid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" };
    const creation = {
      sourcePartnerTenantId: "contract-source-partner",
      targetPartnerTenantId: tenantId,
      customerEmailId: "carol@fabrikam.example",
      transferType: 5,
      targetProductTypes: ["AzureSubscription"],
      lineItems: [{ id: 0, subscriptionId: "azure-sub-1", quantity: 1 }],
    };
    const made = transferEntitySchema.parse(
      await create(`/v1/customers/${customerId}/transfers`, creation, requestId),
    );
    expect(made).toMatchObject({ status: "Active", lineItems: [{ subscriptionId: "azure-sub-1" }] });
    const again = transferEntitySchema.parse(
      await create(`/v1/customers/${customerId}/transfers`, creation, requestId),
    );
    expect(again.id).toBe(made.id);
    // The customer's transfers: this one, in Partner Center's collection, its source partner named;
    // reading the list is no poll.
    const listed = transferListSchema.parse(await read(`/v1/customers/${customerId}/transfers`));
    expect(listed).toMatchObject([
      { id: made.id, status: "Active", sourcePartnerTenantId: "contract-source-partner" },
    ]);
    expect(
      transferEntitySchema.parse(await read(`/v1/customers/${customerId}/transfers/${made.id}`)).status,
    ).toBe("Active");
    const done = await read(`/v1/customers/${customerId}/transfers/${made.id}`);
    expect(shapeOf(done)).toEqual(shapeOf(fixture("transfer")));
    const complete = transferEntitySchema.parse(done);
    expect(complete.status).toBe("Complete");
    expect(complete.lineItems[0]?.targetSubscriptionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(pc.transfers()).toMatchObject([
      {
        id: made.id,
        sourcePartnerTenantId: "contract-source-partner",
        customerEmailId: "carol@fabrikam.example",
        targetProductTypes: ["AzureSubscription"],
      },
    ]);
    // An address that names no one is refused, as a malformed body.
    const empty = await fetch(`${pc.url}/v1/customers/${customerId}/transfers`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...creation, customerEmailId: "" }),
    });
    expect(empty.status).toBe(400);
  });

  it("a failed transfer answers Partner Center's code and description on its line item", async () => {
    const made = transferEntitySchema.parse(
      await create(
        `/v1/customers/${customerId}/transfers`,
        {
          sourcePartnerTenantId: "contract-source-partner",
          targetProductTypes: ["OnlineServicesNCE"],
          lineItems: [{ id: 0, subscriptionId: "licence-sub-1", quantity: 5 }],
        },
        { "ms-requestid": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e" },
      ),
    );
    await partnerCenterControl(pc.url, `transfers/${made.id}/fail`, {
      code: "800120",
      description: "Not eligible",
    });
    const failed = transferEntitySchema.parse(await read(`/v1/customers/${customerId}/transfers/${made.id}`));
    expect(failed).toMatchObject({
      status: "Failed",
      lineItems: [{ status: "Failed", transferError: { code: "800120", description: "Not eligible" } }],
    });
  });

  it("every event it posts has the documented event's properties, no more", () => {
    const events = pc.deliveries().map((delivery) => delivery.event);
    expect(events.map((event) => event.EventName)).toEqual([
      "reseller-relationship-accepted-by-customer",
      "granular-admin-relationship-approved",
    ]);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(Object.keys(fixture("event-test-created")).sort());
      expect(partnerCenterEventSchema.safeParse(event).success).toBe(true);
    }
  });
});
