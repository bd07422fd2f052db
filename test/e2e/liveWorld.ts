/**
 * Partners, customers and migrations in `live` mode through a whole local stack, as their portals
 * would drive it (every call real HTTP with the partner's own key), and what the stack's local
 * Partner Center holds and was asked: shared by the files that count Partner Center's side.
 */
import { expect } from "vitest";

import {
  acceptInPartnerCenter,
  linkLocalPartner,
  partnerCenterOrders,
  partnerCenterRequests,
  type LocalPartnerCenterState,
} from "../../local/partner-center/index.js";
import type { PlacedOrder } from "../../local/partner-center/server.js";
import type { LocalStack } from "../../local/stack.js";
import {
  migrationViewSchema,
  relationshipViewSchema,
  type MigrationView,
  type RelationshipView,
} from "../../shared/http/views.js";
import { customerBody, partnerBody, subscriptionBody } from "../setup/bodies.js";
import { uniqueId } from "../setup/tables.js";
import { call, issuePartnerKey, operatorOf, queuesWorkedOff, waitFor, type SigningKey } from "./helpers.js";

/** The catalogue item the world's offer is sold as in Partner Center. */
export const SOLD = {
  catalogItemId: "CFQ7TTC0TEST:0001:CFQ7TTC0SKU1",
  termDuration: "P1Y",
  billingCycle: "annual",
};

export interface Partner {
  partnerId: string;
  tenantId: string;
  key: SigningKey;
}

export interface Customer {
  customerId: string;
  relationshipId: string;
}

export type LiveWorld = Awaited<ReturnType<typeof liveWorld>>;

/** Registers a licence offer Partner Center sells (SOLD) with the stack, and the helpers over it. */
export async function liveWorld(stack: LocalStack) {
  const pc: LocalPartnerCenterState | undefined = stack.partnerCenter;
  if (pc === undefined) throw new Error("the stack started no local Partner Center");
  const offerId = uniqueId("e3");
  const offer = await call(stack.baseUrl, operatorOf(stack), "PUT", `offers/${offerId}`, {
    name: "Office 365 E3",
    kind: "license",
    discontinued: false,
    equivalentOfferIds: [],
    partnerCenter: SOLD,
  });
  expect(offer.status, JSON.stringify(offer.body)).toBe(201);

  /** A partner connected to its tenant in the local Partner Center, registered by the operator, with its key. */
  async function aPartner(): Promise<Partner> {
    const partnerId = uniqueId("contoso");
    const { link, tenantId } = await linkLocalPartner({
      partnerCenterUrl: pc?.url ?? "",
      secretsFile: pc?.secretsFile ?? "",
      partnerId,
      webhookUrl: new URL(`partner-center/events/${partnerId}`, stack.baseUrl).href,
      tenantId: uniqueId("tenant"),
    });
    const operator = operatorOf(stack);
    const stored = await call(stack.baseUrl, operator, "PUT", `partners/${partnerId}`, {
      ...partnerBody,
      partnerCenter: link,
    });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    return { partnerId, tenantId, key: await issuePartnerKey(stack.baseUrl, operator, partnerId) };
  }

  /** The partner's new customer with these subscriptions (fields over an EA licence), and its request; not worked off. */
  async function requested(
    partner: Partner,
    subscriptions: Record<string, Record<string, unknown>> = {},
    delegatedAdmin = false,
  ): Promise<Customer> {
    const customerId = uniqueId("fabrikam");
    const customer = await call(stack.baseUrl, partner.key, "PUT", `customers/${customerId}`, customerBody);
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    for (const [subscriptionId, fields] of Object.entries(subscriptions)) {
      const path = `customers/${customerId}/subscriptions/${subscriptionId}`;
      const stored = await call(stack.baseUrl, partner.key, "PUT", path, { ...subscriptionBody, ...fields });
      expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    }
    const answer = await call(stack.baseUrl, partner.key, "POST", "relationship-requests", {
      partnerId: partner.partnerId,
      customerId,
      actor: { userId: "alex@contoso.example", role: "sales-agent" },
      delegatedAdmin,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return { customerId, relationshipId: (answer.body as { id: string }).id };
  }

  /** As `requested`, once every queue is worked off. */
  async function invited(...args: Parameters<typeof requested>): Promise<Customer> {
    const customer = await requested(...args);
    await queuesWorkedOff(stack);
    return customer;
  }

  /** The customer accepts in the local Partner Center; its event makes the relationship active. */
  async function accept(partner: Partner, customer: Customer): Promise<void> {
    expect((await acceptInPartnerCenter(pc?.url ?? "", customer.customerId, partner.tenantId)).status).toBe(
      202,
    );
    await waitFor(
      () => relationshipOf(partner, customer),
      (view) => view.status === "active",
    );
  }

  /** A customer of the partner who accepted it in Partner Center, with EA licences of the sold offer. */
  async function accepted(partner: Partner, subscriptionIds: readonly string[]): Promise<Customer> {
    const customer = await invited(
      partner,
      Object.fromEntries(subscriptionIds.map((id) => [id, { offerId }])),
    );
    await accept(partner, customer);
    return customer;
  }

  async function relationshipOf(partner: Partner, customer: Customer): Promise<RelationshipView> {
    const answer = await call(stack.baseUrl, partner.key, "GET", `relationships/${customer.relationshipId}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return relationshipViewSchema.parse(answer.body);
  }

  async function migrate(
    partner: Partner,
    customer: Customer,
    subscriptionIds: readonly string[],
  ): Promise<string> {
    const answer = await call(stack.baseUrl, partner.key, "POST", "migrations", {
      partnerId: partner.partnerId,
      customerId: customer.customerId,
      actor: { userId: "bob@contoso.example", role: "account-admin" },
      items: subscriptionIds.map((subscriptionId) => ({ subscriptionId, cancelOriginal: "at-term-end" })),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return (answer.body as { id: string }).id;
  }

  async function migrationOf(partner: Partner, id: string): Promise<MigrationView> {
    const answer = await call(stack.baseUrl, partner.key, "GET", `migrations/${id}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return migrationViewSchema.parse(answer.body);
  }

  /** The orders the local Partner Center made for the customer. */
  async function ordersOf(customer: Customer): Promise<PlacedOrder[]> {
    return (await partnerCenterOrders(pc?.url ?? "")).filter(
      (order) => order.customerId === customer.customerId,
    );
  }

  /** The GDAP relationships the local Partner Center holds for the partner. */
  async function delegatedAdminOf(partner: Partner): Promise<Record<string, unknown>[]> {
    const response = await fetch(`${pc?.url ?? ""}/_control/delegated-admin`);
    const all = (await response.json()) as Record<string, unknown>[];
    return all.filter((found) => found.partnerTenantId === partner.tenantId);
  }

  /** What the service asked of the local Partner Center as the partner: "METHOD path status[ lost]", carts as {cart}. */
  async function askedAs(partner: Partner): Promise<string[]> {
    return (await partnerCenterRequests(pc?.url ?? ""))
      .filter((request) => request.partnerTenantId === partner.tenantId)
      .map((request) =>
        [
          request.method,
          decodeURIComponent(request.path.replaceAll("+", "%20")).replace(/carts\/[^/]+/, "carts/{cart}"),
          request.status,
          ...(request.lost === undefined ? [] : [request.lost]),
        ].join(" "),
      );
  }

  return {
    pc,
    offerId,
    aPartner,
    requested,
    invited,
    accept,
    accepted,
    relationshipOf,
    migrate,
    migrationOf,
    ordersOf,
    delegatedAdminOf,
    askedAs,
  };
}
