/**
 * A local Partner Center (and the slice of Microsoft Graph and of the token endpoint the service
 * calls), in memory, on 127.0.0.1. Its answers are Microsoft's documented examples (fixtures/)
 * with this world's ids put in; its events are signed, as Partner Center signs them, with a
 * self-signed certificate it serves. Routes are one table: what the service calls first, then the
 * test controls under /_control/ (README.md beside this file).
 */
import { createSign, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { makeSigningCertificate, type SigningCertificate } from "./certificate.js";
import { fixture, type Json } from "./fixtures.js";
import { type LocalTransfer, localTransfers } from "./transfers.js";

export const CERTIFICATE_PATH = "/certificates/partner-center-signing.pem";
export const DEFAULT_SUBJECT = "local.partnercenter.test";

export interface LocalPartnerCenterOptions {
  port?: number;
  host?: string;
  /** The signing certificate's common name (PARTNER_CENTER_CERTIFICATE_SUBJECT). */
  subject?: string;
}

interface PartnerTenant {
  tenantId: string;
  applicationId: string;
  applicationSecret: string;
  refreshToken: string;
  webhookUrl?: string;
}

interface DelegatedAdmin {
  id: string;
  partnerTenantId: string;
  customerId: string;
  status: "created" | "approvalPending" | "active" | "expired" | "terminated";
  /** What the service asked for, when it created the relationship (the test control sets none). */
  created?: {
    displayName: string;
    duration: string;
    customerDisplayName: string;
    roleDefinitionIds: string[];
    autoExtendDuration: string;
  };
}

interface Cart {
  id: string;
  partnerTenantId: string;
  customerId: string;
  lineItems: { catalogItemId: string; quantity: number; billingCycle: string; termDuration?: string }[];
  status: "Active" | "Ordered";
  createdAt: string;
  /** The MS-RequestId the cart was created with, if any. */
  requestId?: string;
  /** The checkout's answer, repeated to every later checkout of the cart. */
  checkout?: Json;
}

/** An order a checkout made, as the test controls list it. */
export interface PlacedOrder {
  id: string;
  partnerTenantId: string;
  customerId: string;
  cartId: string;
  /** The MS-RequestId its cart was created with, if any. */
  requestId?: string;
  lineItems: { catalogItemId: string; quantity: number; subscriptionId: string }[];
  at: string;
}

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  status: number;
  /** The partner tenant whose token the request carried, if any. */
  partnerTenantId?: string;
  /** Handled, but its answer never reached the caller (the `faults` control's `answer`). */
  lost?: "dropped" | "held";
}

interface Fault {
  /** Only requests whose path matches this regular expression are faulted; every one when absent. */
  path?: string;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** Of the matching requests, only every n-th is faulted (default 1: each one). */
  every?: number;
  /** Without `status`: the request is handled, then its answer dropped (the connection closed) or held (never sent). */
  answer?: "drop" | "hold";
  /** Matching requests seen so far, for `every`. */
  seen: number;
  remaining: number;
}

export interface Delivery {
  url: string;
  /** What the webhook answered; absent when it could not be reached. */
  status: number | undefined;
  event: Json;
}

type Handler = (call: Call) => Promise<Answer> | Answer;
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Runs once the answer has been handed to the connection. */
  afterAnswer?: () => void;
}
export interface Call {
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
  headers: IncomingMessage["headers"];
  /** The partner tenant of a valid bearer token. */
  partner: PartnerTenant | undefined;
}
export interface Route {
  method: string;
  /** Segments; `{name}` matches one segment. */
  pattern: string;
  /** The service's own calls need a token; test controls do not. */
  auth: boolean;
  handle: Handler;
}

export interface LocalPartnerCenter {
  url: string;
  certificateUrl: string;
  subject: string;
  requests: () => readonly RecordedRequest[];
  deliveries: () => readonly Delivery[];
  /** Every order its checkouts made, oldest first. */
  orders: () => readonly PlacedOrder[];
  /** Every transfer the service created, oldest first. */
  transfers: () => readonly LocalTransfer[];
  /** Every GDAP relationship it holds, as Graph would list it to its partner. */
  delegatedAdminRelationships: () => readonly Json[];
  /** The signature headers this Partner Center would send with `body` (in-process tests only). */
  sign: (body: string) => Record<string, string>;
  close: () => Promise<void>;
}

export async function startLocalPartnerCenter(
  options: LocalPartnerCenterOptions = {},
): Promise<LocalPartnerCenter> {
  const subject = options.subject ?? DEFAULT_SUBJECT;
  const signing = await makeSigningCertificate(subject);
  const partners = new Map<string, PartnerTenant>();
  /** `${partnerTenantId}\n${customerId}` → how the customer is the partner's. */
  const customersOf = new Map<string, "reseller" | "indirect-reseller">();
  const declined = new Set<string>();
  const delegated = new Map<string, DelegatedAdmin>();
  const carts = new Map<string, Cart>();
  /** `${partnerTenantId}\n${customerId}\n${MS-RequestId}` → the cart that request made. */
  const cartsByRequest = new Map<string, string>();
  const orders: PlacedOrder[] = [];
  const accessTokens = new Map<string, { tenantId: string; expiresAt: number }>();
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  let fault: Fault | undefined;
  /** Off (the `request-ids` control): a cart's MS-RequestId is ignored, as if Partner Center kept none. */
  let requestIdsHonoured = true;
  let baseUrl = "";
  /** Closed for good: an outage that ends after it does not listen again. */
  let closed = false;

  const customerKey = (partnerTenantId: string, customerId: string) => `${partnerTenantId}\n${customerId}`;

  const delegatedAdminList = (): Json[] =>
    [...delegated.values()].map((found) => ({
      ...delegatedAdminResource(found, fixture("delegated-admin-relationship")),
      partnerTenantId: found.partnerTenantId,
    }));

  async function post(partner: PartnerTenant, event: Json, url = partner.webhookUrl): Promise<Delivery> {
    if (url === undefined)
      throw new ControlError(409, `partner tenant ${partner.tenantId} registered no webhook`);
    const delivery = await deliver(signing, baseUrl, url, event);
    deliveries.push(delivery);
    return delivery;
  }

  function event(name: string, resourceUri: string, resourceName: string): Json {
    // The documented test event's five properties, with this event's name and resource.
    return {
      ...fixture("event-test-created"),
      EventName: name,
      ResourceUri: resourceUri,
      ResourceName: resourceName,
      AuditUri: null,
      ResourceChangeUtcDate: new Date().toISOString(),
    };
  }

  /** A GDAP relationship as Graph shows it, from the documented example with this one's values put in. */
  function delegatedAdminResource(found: DelegatedAdmin, template: Json): Json {
    const created = found.created;
    return {
      ...template,
      id: found.id,
      status: found.status,
      customer: {
        ...(template.customer as Json),
        tenantId: found.customerId,
        ...(created === undefined ? {} : { displayName: created.customerDisplayName }),
      },
      ...(created === undefined
        ? {}
        : {
            displayName: created.displayName,
            duration: created.duration,
            autoExtendDuration: created.autoExtendDuration,
            accessDetails: {
              unifiedRoles: created.roleDefinitionIds.map((roleDefinitionId) => ({ roleDefinitionId })),
            },
          }),
    };
  }

  function delegatedAdminOf(partner: PartnerTenant | undefined, id: string): DelegatedAdmin | undefined {
    const found = delegated.get(id);
    return found !== undefined && found.partnerTenantId === partner?.tenantId ? found : undefined;
  }

  function customerNotFound(customerId: string): Answer {
    return {
      status: 404,
      body: {
        code: 600026,
        description: `Customer ${customerId} was not found`,
        errorName: "CustomerNotFound",
      },
    };
  }

  /** A Cart as Partner Center answers it, from the documented example with this cart's values put in. */
  function cartResource(cart: Cart): Json {
    const template = fixture("cart");
    const line = (template.lineItems as Json[])[0] ?? {};
    const expires = new Date(Date.parse(cart.createdAt) + 7 * 86_400_000).toISOString();
    return {
      ...template,
      id: cart.id,
      creationTimestamp: cart.createdAt,
      lastModifiedTimestamp: cart.createdAt,
      expirationTimestamp: expires,
      lineItems: cart.lineItems.map((item, index) => ({ ...line, id: index, ...item })),
      status: cart.status,
    };
  }

  /** The CartCheckoutResult of a checkout, from the documented example with this order put in. */
  function checkoutResult(cart: Cart, order: PlacedOrder): Json {
    const template = fixture("cart-checkout-result");
    const orderTemplate = (template.orders as Json[])[0] ?? {};
    const lineTemplate = (orderTemplate.lineItems as Json[])[0] ?? {};
    return {
      ...template,
      orders: [
        {
          ...orderTemplate,
          id: order.id,
          alternateId: order.id.slice(0, 12).toLowerCase(),
          referenceCustomerId: order.customerId,
          billingCycle: cart.lineItems[0]?.billingCycle ?? "monthly",
          creationDate: order.at,
          lineItems: order.lineItems.map((item, index) => ({
            ...lineTemplate,
            lineItemNumber: index,
            offerId: item.catalogItemId,
            subscriptionId: item.subscriptionId,
            termDuration: cart.lineItems[index]?.termDuration ?? "P1Y",
            quantity: item.quantity,
            links: {
              subscription: {
                uri: `/customers/${order.customerId}/subscriptions/${item.subscriptionId}`,
                method: "GET",
                headers: [],
              },
            },
          })),
        },
      ],
      orderErrors: [],
    };
  }

  const transfers = localTransfers({
    isCustomerOf: (partnerTenantId, customerId) => customersOf.has(customerKey(partnerTenantId, customerId)),
    customerNotFound,
  });

  const graphNotFound: Answer = {
    status: 404,
    body: { error: { code: "ResourceNotFound", message: "The relationship was not found." } },
  };

  function partnerOf(tenantId: unknown): PartnerTenant {
    const partner = typeof tenantId === "string" ? partners.get(tenantId) : undefined;
    if (partner === undefined) throw new ControlError(404, `no partner tenant ${String(tenantId)}`);
    return partner;
  }

  const routes: Route[] = [
    // The token endpoint (secure application model: a refresh token for an access token).
    {
      method: "POST",
      pattern: "/{tenant}/oauth2/v2.0/token",
      auth: false,
      handle: ({ params, body }) => {
        const form = new URLSearchParams(body);
        const partner = partners.get(params.tenant ?? "");
        if (
          partner === undefined ||
          form.get("grant_type") !== "refresh_token" ||
          form.get("client_id") !== partner.applicationId ||
          form.get("client_secret") !== partner.applicationSecret ||
          form.get("refresh_token") !== partner.refreshToken
        ) {
          return {
            status: 400,
            body: {
              error: "invalid_grant",
              error_description: "AADSTS70000: The provided grant is invalid.",
            },
          };
        }
        const accessToken = randomBytes(24).toString("base64url");
        const template = fixture("token-response");
        accessTokens.set(accessToken, {
          tenantId: partner.tenantId,
          expiresAt: Date.now() + Number(template.expires_in) * 1000,
        });
        return {
          status: 200,
          body: {
            ...template,
            scope: form.get("scope") ?? "",
            access_token: accessToken,
            refresh_token: partner.refreshToken,
          },
        };
      },
    },
    // Partner Center: the reseller relationship request link (before /v1/customers/{id}, which it would match).
    {
      method: "GET",
      pattern: "/v1/customers/relationshiprequests",
      auth: true,
      handle: ({ query, partner }) => {
        const template = fixture("relationship-request");
        const reseller = query.get("indirectResellerId");
        const url = new URL(String(template.url));
        // An indirect provider's link names its reseller as the partner, and itself as the provider.
        url.searchParams.set("partnerId", reseller ?? partner?.tenantId ?? "");
        if (reseller !== null) url.searchParams.set("indirectCSPId", partner?.tenantId ?? "");
        return { status: 200, body: { ...template, url: url.toString() } };
      },
    },
    // Partner Center: GET /v1/customers/{id}, the customer as the calling partner sees it.
    {
      method: "GET",
      pattern: "/v1/customers/{customerId}",
      auth: true,
      handle: ({ params, partner }) => {
        const customerId = params.customerId ?? "";
        const relationship =
          partner === undefined ? undefined : customersOf.get(customerKey(partner.tenantId, customerId));
        if (relationship === undefined) return customerNotFound(customerId);
        const template = fixture("customer");
        const profile = template.companyProfile as Json;
        return {
          status: 200,
          body: {
            ...template,
            id: customerId,
            companyProfile: {
              ...profile,
              tenantId: customerId,
              links: {
                self: { uri: `/customers/${customerId}/profiles/company`, method: "GET", headers: [] },
              },
            },
            relationshipToPartner: relationship === "reseller" ? "reseller" : "indirectReseller",
            links: { self: { uri: `/customers/${customerId}`, method: "GET", headers: [] } },
          },
        };
      },
    },
    // Graph: a delegated admin relationship, to the partner that holds it.
    {
      method: "GET",
      pattern: "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}",
      auth: true,
      handle: ({ params, partner }) => {
        const found = delegatedAdminOf(partner, params.id ?? "");
        if (found === undefined) return graphNotFound;
        return { status: 200, body: delegatedAdminResource(found, fixture("delegated-admin-relationship")) };
      },
    },
    // Graph: the partner's relationships, filtered by display name only ($filter=displayName eq '…').
    {
      method: "GET",
      pattern: "/v1.0/tenantRelationships/delegatedAdminRelationships",
      auth: true,
      handle: ({ query, partner }) => {
        const filter = query.get("$filter");
        const named = filter === null ? undefined : /^displayName eq '((?:[^']|'')*)'$/.exec(filter)?.[1];
        if (filter !== null && named === undefined) {
          return {
            status: 400,
            body: { error: { code: "BadRequest", message: `unsupported $filter ${filter}` } },
          };
        }
        const list = fixture("delegated-admin-relationships");
        const template = (list.value as Json[])[0] ?? {};
        const value = [...delegated.values()]
          .filter((found) => found.partnerTenantId === partner?.tenantId)
          .filter(
            (found) => named === undefined || found.created?.displayName === named.replaceAll("''", "'"),
          )
          .map((found) => delegatedAdminResource(found, template));
        return { status: 200, body: { ...list, value } };
      },
    },
    // Graph: create one; the display name is unique among the partner's relationships.
    {
      method: "POST",
      pattern: "/v1.0/tenantRelationships/delegatedAdminRelationships",
      auth: true,
      handle: ({ body, partner }) => {
        const request = JSON.parse(body) as {
          displayName?: string;
          duration?: string;
          customer?: { tenantId?: string; displayName?: string };
          accessDetails?: { unifiedRoles?: { roleDefinitionId?: string }[] };
          autoExtendDuration?: string;
        };
        const roleDefinitionIds = (request.accessDetails?.unifiedRoles ?? []).map(
          (role) => role.roleDefinitionId ?? "",
        );
        if (
          partner === undefined ||
          typeof request.displayName !== "string" ||
          request.displayName.length === 0 ||
          request.displayName.length > 50 ||
          typeof request.duration !== "string" ||
          typeof request.customer?.tenantId !== "string" ||
          roleDefinitionIds.length === 0
        ) {
          return {
            status: 400,
            body: {
              error: {
                code: "BadRequest",
                message:
                  "displayName (≤ 50), duration, customer.tenantId and accessDetails.unifiedRoles are required",
              },
            },
          };
        }
        const taken = [...delegated.values()].some(
          (found) =>
            found.partnerTenantId === partner.tenantId && found.created?.displayName === request.displayName,
        );
        if (taken) {
          return {
            status: 409,
            body: {
              error: {
                code: "Conflict",
                message: `A relationship named ${request.displayName} already exists`,
              },
            },
          };
        }
        const created: DelegatedAdmin = {
          id: `${randomUUID()}-${randomUUID()}`,
          partnerTenantId: partner.tenantId,
          customerId: request.customer.tenantId,
          status: "created",
          created: {
            displayName: request.displayName,
            duration: request.duration,
            customerDisplayName: request.customer.displayName ?? "",
            roleDefinitionIds,
            autoExtendDuration: request.autoExtendDuration ?? "PT0S",
          },
        };
        delegated.set(created.id, created);
        return {
          status: 201,
          body: delegatedAdminResource(created, fixture("delegated-admin-relationship")),
        };
      },
    },
    // Graph: an action on a relationship; lockForApproval only from `created`.
    {
      method: "POST",
      pattern: "/v1.0/tenantRelationships/delegatedAdminRelationships/{id}/requests",
      auth: true,
      handle: ({ params, body, partner }) => {
        const found = delegatedAdminOf(partner, params.id ?? "");
        if (found === undefined) return graphNotFound;
        const { action } = JSON.parse(body) as { action?: string };
        if (action !== "lockForApproval" || found.status !== "created") {
          return {
            status: 400,
            body: {
              error: {
                code: "BadRequest",
                message: `${String(action)} is not allowed on a relationship that is ${found.status}`,
              },
            },
          };
        }
        found.status = "approvalPending";
        return {
          status: 201,
          body: { ...fixture("delegated-admin-relationship-request"), id: randomUUID(), action },
        };
      },
    },
    // Partner Center: create a cart. The same MS-RequestId answers the cart it made, never a second one.
    {
      method: "POST",
      pattern: "/v1/customers/{customerId}/carts",
      auth: true,
      handle: ({ params, body, headers, partner }) => {
        const customerId = params.customerId ?? "";
        if (partner === undefined || !customersOf.has(customerKey(partner.tenantId, customerId)))
          return customerNotFound(customerId);
        const requestId = headers["ms-requestid"];
        const requestKey =
          requestIdsHonoured && typeof requestId === "string"
            ? `${partner.tenantId}\n${customerId}\n${requestId}`
            : undefined;
        const earlier =
          requestKey === undefined ? undefined : carts.get(cartsByRequest.get(requestKey) ?? "");
        if (earlier !== undefined) return { status: 201, body: cartResource(earlier) };
        const request = JSON.parse(body) as { lineItems?: Record<string, unknown>[] };
        const lineItems = (request.lineItems ?? []).map(
          (
            line,
          ): {
            catalogItemId: unknown;
            quantity: unknown;
            billingCycle: unknown;
            termDuration?: unknown;
          } => ({
            catalogItemId: line.catalogItemId,
            quantity: line.quantity,
            billingCycle: line.billingCycle,
            ...(line.termDuration === undefined ? {} : { termDuration: line.termDuration }),
          }),
        );
        const valid = (line: (typeof lineItems)[number]): line is Cart["lineItems"][number] =>
          typeof line.catalogItemId === "string" &&
          line.catalogItemId.length > 0 &&
          Number.isInteger(line.quantity) &&
          Number(line.quantity) > 0 &&
          typeof line.billingCycle === "string" &&
          // An Azure plan has no term.
          (line.termDuration === undefined || typeof line.termDuration === "string");
        const accepted = lineItems.filter(valid);
        if (accepted.length === 0 || accepted.length !== lineItems.length) {
          return {
            status: 400,
            body: {
              code: 800002,
              description:
                "lineItems must hold at least one item, each with catalogItemId, a positive quantity, billingCycle and (but for an Azure plan) termDuration",
            },
          };
        }
        const cart: Cart = {
          id: randomUUID(),
          partnerTenantId: partner.tenantId,
          customerId,
          lineItems: accepted,
          status: "Active",
          createdAt: new Date().toISOString(),
          ...(typeof requestId === "string" ? { requestId } : {}),
        };
        carts.set(cart.id, cart);
        if (requestKey !== undefined) cartsByRequest.set(requestKey, cart.id);
        return { status: 201, body: cartResource(cart) };
      },
    },
    // Partner Center: check a cart out. A cart checked out before answers the orders it made then.
    {
      method: "POST",
      pattern: "/v1/customers/{customerId}/carts/{cartId}/checkout",
      auth: true,
      handle: ({ params, partner }) => {
        const customerId = params.customerId ?? "";
        const cart = carts.get(params.cartId ?? "");
        if (
          cart === undefined ||
          cart.partnerTenantId !== partner?.tenantId ||
          cart.customerId !== customerId
        ) {
          return {
            status: 404,
            body: { code: 800030, description: `Cart ${params.cartId ?? ""} was not found` },
          };
        }
        if (cart.checkout !== undefined) return { status: 201, body: cart.checkout };
        const order: PlacedOrder = {
          id: randomBytes(16).toString("base64url"),
          partnerTenantId: cart.partnerTenantId,
          customerId,
          cartId: cart.id,
          ...(cart.requestId === undefined ? {} : { requestId: cart.requestId }),
          lineItems: cart.lineItems.map((line) => ({
            catalogItemId: line.catalogItemId,
            quantity: line.quantity,
            subscriptionId: randomUUID(),
          })),
          at: new Date().toISOString(),
        };
        orders.push(order);
        cart.status = "Ordered";
        cart.checkout = checkoutResult(cart, order);
        return { status: 201, body: cart.checkout };
      },
    },
    // Partner Center: transfers from another partner, and their test controls (transfers.ts).
    ...transfers.routes,
    {
      method: "GET",
      pattern: CERTIFICATE_PATH,
      auth: false,
      handle: () => ({
        status: 200,
        body: signing.certificatePem,
        headers: { "content-type": "application/x-pem-file" },
      }),
    },

    // Test controls.
    {
      method: "POST",
      pattern: "/_control/partners",
      auth: false,
      handle: ({ body }) => {
        const { tenantId, webhookUrl } = JSON.parse(body) as { tenantId?: string; webhookUrl?: string };
        if (typeof tenantId !== "string" || tenantId === "")
          throw new ControlError(400, "tenantId is required");
        const partner: PartnerTenant = partners.get(tenantId) ?? {
          tenantId,
          applicationId: randomUUID(),
          applicationSecret: randomBytes(24).toString("base64url"),
          refreshToken: randomBytes(32).toString("base64url"),
        };
        if (typeof webhookUrl === "string") partner.webhookUrl = webhookUrl;
        partners.set(tenantId, partner);
        return { status: 200, body: partner };
      },
    },
    {
      method: "POST",
      pattern: "/_control/customers/{customerId}/accept",
      auth: false,
      handle: async ({ params, body }) => {
        const { partnerTenantId, indirect } = JSON.parse(body) as {
          partnerTenantId?: string;
          indirect?: boolean;
        };
        const partner = partnerOf(partnerTenantId);
        const customerId = params.customerId ?? "";
        customersOf.set(
          customerKey(partner.tenantId, customerId),
          indirect === true ? "indirect-reseller" : "reseller",
        );
        const name =
          indirect === true
            ? "indirect-reseller-relationship-accepted-by-customer"
            : "reseller-relationship-accepted-by-customer";
        const delivery = await post(
          partner,
          event(name, `${baseUrl}/v1/customers/${customerId}`, "customer"),
        );
        return { status: 200, body: delivery };
      },
    },
    {
      method: "POST",
      pattern: "/_control/customers/{customerId}/decline",
      auth: false,
      // Partner Center sends no event for a declined invitation: the partner only never hears.
      handle: ({ params, body }) => {
        const { partnerTenantId } = JSON.parse(body) as { partnerTenantId?: string };
        declined.add(customerKey(partnerOf(partnerTenantId).tenantId, params.customerId ?? ""));
        return { status: 200, body: { declined: true } };
      },
    },
    {
      method: "POST",
      pattern: "/_control/delegated-admin",
      auth: false,
      handle: async ({ body }) => {
        const request = JSON.parse(body) as {
          partnerTenantId?: string;
          customerId?: string;
          id?: string;
          status?: DelegatedAdmin["status"];
        };
        const partner = partnerOf(request.partnerTenantId);
        const status = request.status ?? "active";
        const id = request.id ?? `${randomUUID()}-${randomUUID()}`;
        const before = delegated.get(id);
        delegated.set(id, {
          id,
          partnerTenantId: partner.tenantId,
          customerId: request.customerId ?? before?.customerId ?? "",
          status,
          ...(before?.created === undefined ? {} : { created: before.created }),
        });
        // Partner Center sends an event when the customer approves, and at expiry or termination; none while it waits.
        const action = { active: "approved", expired: "expired", terminated: "terminated" } as const;
        const resourceUri = `${baseUrl}/v1.0/tenantRelationships/delegatedAdminRelationships/${id}`;
        if (status === "approvalPending" || status === "created")
          return { status: 200, body: { id, resourceUri } };
        const delivery = await post(
          partner,
          event(`granular-admin-relationship-${action[status]}`, resourceUri, "delegatedAdminRelationship"),
        );
        return { status: 200, body: { id, resourceUri, ...delivery } };
      },
    },
    {
      method: "POST",
      pattern: "/_control/events",
      auth: false,
      // Any event, signed, to the partner's webhook or to `url`: for events the confirming read contradicts, or replays.
      handle: async ({ body }) => {
        const request = JSON.parse(body) as { partnerTenantId?: string; url?: string; event?: Json };
        const partner = partnerOf(request.partnerTenantId);
        return {
          status: 200,
          body: await post(partner, request.event ?? {}, request.url ?? partner.webhookUrl),
        };
      },
    },
    {
      method: "GET",
      pattern: "/_control/delegated-admin",
      auth: false,
      handle: () => ({ status: 200, body: delegatedAdminList() }),
    },
    {
      method: "POST",
      pattern: "/_control/faults",
      auth: false,
      handle: ({ body }) => {
        const request = JSON.parse(body) as Partial<Fault> & { count?: number };
        fault = { ...request, seen: 0, remaining: request.count ?? 1 };
        return { status: 200, body: fault };
      },
    },
    {
      method: "POST",
      pattern: "/_control/request-ids",
      auth: false,
      // Off, a redelivered purchase makes a second cart and order: what shows a test catches a doubled order.
      handle: ({ body }) => {
        const { honoured } = JSON.parse(body) as { honoured?: unknown };
        if (typeof honoured !== "boolean")
          throw new ControlError(400, "honoured (true or false) is required");
        requestIdsHonoured = honoured;
        return { status: 200, body: { honoured } };
      },
    },
    {
      method: "POST",
      pattern: "/_control/outage",
      auth: false,
      // Unreachable for real: nothing listens (connections are refused), then it listens again, state kept.
      handle: ({ body }) => {
        const { seconds } = JSON.parse(body) as { seconds?: unknown };
        if (typeof seconds !== "number" || !(seconds > 0) || seconds > 300)
          throw new ControlError(400, "seconds (more than 0, at most 300) is required");
        const until = new Date(Date.now() + seconds * 1000).toISOString();
        return { status: 200, body: { until }, afterAnswer: () => void outage(seconds * 1000) };
      },
    },
    {
      method: "GET",
      pattern: "/_control/requests",
      auth: false,
      handle: () => ({ status: 200, body: requests }),
    },
    {
      method: "GET",
      pattern: "/_control/orders",
      auth: false,
      handle: () => ({ status: 200, body: orders }),
    },
    {
      method: "GET",
      pattern: "/_control/deliveries",
      auth: false,
      handle: () => ({ status: 200, body: deliveries }),
    },
  ];

  const server = createServer((req, res) => {
    void serve(req, res);
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const matched = match(routes, req.method ?? "GET", url.pathname);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer === undefined ? undefined : accessTokens.get(bearer);
    const partner =
      token !== undefined && token.expiresAt > Date.now() ? partners.get(token.tenantId) : undefined;
    let answer: Answer;
    let lost: Fault["answer"];
    if (matched === undefined)
      answer = { status: 404, body: { error: `no route ${req.method ?? ""} ${url.pathname}` } };
    else if (!url.pathname.startsWith("/_control/") && takesFault(fault, url.pathname)) {
      fault.remaining -= 1;
      lost = fault.status === undefined ? fault.answer : undefined;
      if (fault.latencyMs !== undefined)
        await new Promise((resolve) => setTimeout(resolve, fault?.latencyMs));
      answer =
        fault.status === undefined
          ? await run(matched.route.handle, {
              params: matched.params,
              query: url.searchParams,
              body,
              headers: req.headers,
              partner,
            })
          : {
              status: fault.status,
              body: {
                code: fault.status,
                description: "Injected by the local Partner Center's test controls",
              },
              ...(fault.retryAfterSeconds === undefined
                ? {}
                : { headers: { "retry-after": String(fault.retryAfterSeconds) } }),
            };
    } else if (matched.route.auth && partner === undefined) {
      answer = { status: 401, body: { code: 401, description: "A valid bearer token is required" } };
    } else
      answer = await run(matched.route.handle, {
        params: matched.params,
        query: url.searchParams,
        body,
        headers: req.headers,
        partner,
      });
    if (!url.pathname.startsWith("/_control/")) {
      requests.push({
        at: new Date().toISOString(),
        method: req.method ?? "",
        path: `${url.pathname}${url.search}`,
        status: answer.status,
        ...(partner === undefined ? {} : { partnerTenantId: partner.tenantId }),
        ...(lost === undefined ? {} : { lost: lost === "drop" ? ("dropped" as const) : ("held" as const) }),
      });
    }
    if (lost === "drop") {
      req.socket.destroy();
      return;
    }
    // Held: never answered; the connection stays open until the caller goes away or the server closes.
    if (lost === "hold") return;
    const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? null);
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    if (answer.afterAnswer !== undefined) res.once("finish", answer.afterAnswer);
    res.end(text);
  }

  /** Whether the armed fault takes this request (counting it towards `every`). */
  function takesFault(armed: Fault | undefined, pathname: string): armed is Fault {
    if (armed === undefined || armed.remaining <= 0) return false;
    if (armed.path !== undefined && !new RegExp(armed.path).test(pathname)) return false;
    armed.seen += 1;
    return armed.seen % (armed.every ?? 1) === 0;
  }

  const listenOn = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });

  /** Stops listening for `ms`, then listens on the same port again; nothing it holds is lost. */
  async function outage(ms: number): Promise<void> {
    const { port } = server.address() as AddressInfo;
    await stopListening();
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (!closed) await listenOn(port);
  }

  await listenOn(options.port ?? 0);
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.address}:${address.port}`;
  return {
    url: baseUrl,
    certificateUrl: `${baseUrl}${CERTIFICATE_PATH}`,
    subject,
    requests: () => requests,
    deliveries: () => deliveries,
    orders: () => orders,
    transfers: transfers.list,
    delegatedAdminRelationships: delegatedAdminList,
    sign: (body) => signatureHeaders(signing, baseUrl, body),
    close: () => {
      closed = true;
      return server.listening ? stopListening() : Promise.resolve();
    },
  };
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function run(handle: Handler, call: Call): Promise<Answer> {
  try {
    return await handle(call);
  } catch (error) {
    if (error instanceof ControlError) return { status: error.status, body: { error: error.message } };
    if (error instanceof SyntaxError)
      return { status: 400, body: { error: `the body is not JSON: ${error.message}` } };
    throw error;
  }
}

function match(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname.split("/");
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.pattern.split("/");
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((segment, index) => {
      const part = parts[index] ?? "";
      if (segment.startsWith("{") && segment.endsWith("}")) {
        params[segment.slice(1, -1)] = decodeURIComponent(part);
        return part.length > 0;
      }
      return segment === part;
    });
    if (fits) return { route, params };
  }
  return undefined;
}

/** The headers Partner Center signs an event with: its RSA-SHA256 signature and where its certificate is. */
export function signatureHeaders(
  signing: SigningCertificate,
  baseUrl: string,
  body: string,
): Record<string, string> {
  return {
    authorization: `Signature ${createSign("RSA-SHA256").update(body).sign(signing.privateKeyPem, "base64")}`,
    "x-ms-certificate-url": `${baseUrl}${CERTIFICATE_PATH}`,
    "x-ms-signature-algorithm": "rsa-sha256",
  };
}

/** Posts an event as Partner Center does: the raw JSON with its signature headers. */
export async function deliver(
  signing: SigningCertificate,
  baseUrl: string,
  url: string,
  event: Json,
): Promise<Delivery> {
  const body = JSON.stringify(event);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...signatureHeaders(signing, baseUrl, body) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return { url, status: response.status, event };
  } catch {
    return { url, status: undefined, event };
  }
}
