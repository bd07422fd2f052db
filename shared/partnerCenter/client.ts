/**
 * The one way this service reaches Partner Center's REST API and Microsoft Graph: as a partner,
 * through the secure application model. The partner's app id, app secret and consented refresh
 * token (the secrets named by the partner record, read from Key Vault) are exchanged at the token
 * endpoint for an access token per API, cached until shortly before it expires; calls that need one
 * at the same moment wait for a single exchange.
 *
 * Written on fetch rather than @azure/msal-node: the secure application model keeps the partner's
 * consented refresh token in Key Vault and redeems it at each renewal, while MSAL holds refresh tokens
 * in its own cache and offers redeeming one only as a migration step (`acquireTokenByRefreshToken`),
 * and it discovers its authority's metadata from Entra ID unless that is given by hand, which the
 * local Partner Center's token endpoint would need. The grant itself is one form post (RFC 6749 §6).
 */
import type { Config } from "../config.js";
import type { PartnerCenterLink } from "../domain/model.js";
import type { SecretReader } from "./secrets.js";
import {
  type CartCheckoutResult,
  cartCheckoutResultSchema,
  type CartLineItemCreation,
  type CartResource,
  cartSchema,
  type CustomerResource,
  customerResourceSchema,
  type DelegatedAdminRelationshipCreation,
  delegatedAdminRelationshipListSchema,
  delegatedAdminRelationshipRequestSchema,
  type DelegatedAdminRelationshipResource,
  delegatedAdminRelationshipSchema,
  relationshipRequestResourceSchema,
  tokenResponseSchema,
  type TransferEntityResource,
  transferEntitySchema,
  transferListSchema,
} from "./shapes.js";
import type { TransferCreation } from "../domain/transfers.js";

/** Partner Center's resource for tokens; the same in every cloud this service serves. */
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default";
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const REQUEST_TIMEOUT_MS = 10_000;
const TOKEN_EARLY_RENEWAL_MS = 60_000;

/** A call that failed; `retryable` for throttling, server errors and time-outs (asked again later: queueTrigger.ts). */
export class PartnerCenterError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "PartnerCenterError";
  }
}

/**
 * Partner Center's refusal in `error`, to record once; anything else — throttling, a server error, a
 * time-out, or no Partner Center error at all — is thrown again, for the message to come again.
 */
export function refusalIn(error: unknown): PartnerCenterError {
  if (!(error instanceof PartnerCenterError) || error.retryable) throw error;
  return error;
}

export type PartnerCenterSettings = Pick<
  Config,
  "PARTNER_CENTER_ENDPOINT" | "GRAPH_ENDPOINT" | "PARTNER_CENTER_TOKEN_ENDPOINT"
>;

export class PartnerCenterClient {
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();
  private readonly exchanges = new Map<string, Promise<string>>();

  constructor(
    private readonly settings: PartnerCenterSettings,
    private readonly secrets: SecretReader,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The customer as this partner sees it; undefined when Partner Center says it is not the partner's (404). */
  async customer(link: PartnerCenterLink, customerId: string): Promise<CustomerResource | undefined> {
    const url = this.partnerCenterUrl(`v1/customers/${encodeURIComponent(customerId)}`);
    const body = await this.get(link, PARTNER_CENTER_SCOPE, url);
    return body === undefined ? undefined : customerResourceSchema.parse(body);
  }

  /** A delegated admin relationship as Graph shows it to this partner; undefined when not found. */
  async delegatedAdminRelationship(
    link: PartnerCenterLink,
    id: string,
  ): Promise<DelegatedAdminRelationshipResource | undefined> {
    const url = this.graphUrl(
      `v1.0/tenantRelationships/delegatedAdminRelationships/${encodeURIComponent(id)}`,
    );
    const body = await this.get(link, GRAPH_SCOPE, url);
    return body === undefined ? undefined : delegatedAdminRelationshipSchema.parse(body);
  }

  /**
   * The reseller relationship request link the partner sends its customer; with `indirectResellerId`,
   * an indirect provider's link for one of its resellers (two-tier CSP).
   */
  async relationshipRequestLink(
    link: PartnerCenterLink,
    options: { indirectResellerId?: string | undefined } = {},
  ): Promise<string> {
    const url = this.partnerCenterUrl("v1/customers/relationshiprequests");
    if (options.indirectResellerId !== undefined)
      url.searchParams.set("indirectResellerId", options.indirectResellerId);
    const body = await this.get(link, PARTNER_CENTER_SCOPE, url);
    if (body === undefined) throw new PartnerCenterError(`GET ${url.pathname} answered 404`, 404, false);
    return relationshipRequestResourceSchema.parse(body).url;
  }

  /** The partner's delegated admin relationships of this display name (Graph keeps it unique per partner). */
  async delegatedAdminRelationshipsNamed(
    link: PartnerCenterLink,
    displayName: string,
  ): Promise<DelegatedAdminRelationshipResource[]> {
    const url = this.graphUrl("v1.0/tenantRelationships/delegatedAdminRelationships");
    url.searchParams.set("$filter", `displayName eq '${displayName.replaceAll("'", "''")}'`);
    const body = await this.get(link, GRAPH_SCOPE, url);
    return body === undefined ? [] : delegatedAdminRelationshipListSchema.parse(body).value;
  }

  async createDelegatedAdminRelationship(
    link: PartnerCenterLink,
    creation: DelegatedAdminRelationshipCreation,
  ): Promise<DelegatedAdminRelationshipResource> {
    const url = this.graphUrl("v1.0/tenantRelationships/delegatedAdminRelationships");
    return delegatedAdminRelationshipSchema.parse(await this.post(link, GRAPH_SCOPE, url, creation));
  }

  /** Locks a created relationship for the customer's approval; it is then `approvalPending`. */
  async lockForApproval(link: PartnerCenterLink, id: string): Promise<void> {
    const url = this.graphUrl(
      `v1.0/tenantRelationships/delegatedAdminRelationships/${encodeURIComponent(id)}/requests`,
    );
    delegatedAdminRelationshipRequestSchema.parse(
      await this.post(link, GRAPH_SCOPE, url, { action: "lockForApproval" }),
    );
  }

  /**
   * Creates a cart for the customer. `requestId` (MS-RequestId) makes it idempotent: the same id
   * answers the cart it made the first time, never a second one.
   */
  async createCart(
    link: PartnerCenterLink,
    customerId: string,
    lineItems: readonly CartLineItemCreation[],
    requestId: string,
  ): Promise<CartResource> {
    const url = this.partnerCenterUrl(`v1/customers/${encodeURIComponent(customerId)}/carts`);
    const body = await this.post(
      link,
      PARTNER_CENTER_SCOPE,
      url,
      { lineItems },
      { "ms-requestid": requestId },
    );
    return cartSchema.parse(body);
  }

  /** Checks a cart out; Partner Center answers a cart already checked out with the orders it made then. */
  async checkoutCart(
    link: PartnerCenterLink,
    customerId: string,
    cartId: string,
    requestId: string,
  ): Promise<CartCheckoutResult> {
    const url = this.partnerCenterUrl(
      `v1/customers/${encodeURIComponent(customerId)}/carts/${encodeURIComponent(cartId)}/checkout`,
    );
    const body = await this.post(link, PARTNER_CENTER_SCOPE, url, undefined, { "ms-requestid": requestId });
    return cartCheckoutResultSchema.parse(body);
  }

  /**
   * Creates a transfer of the customer's subscriptions from another partner to this one.
   * `requestId` (MS-RequestId) makes it idempotent: the same id answers the transfer it made first.
   */
  async createTransfer(
    link: PartnerCenterLink,
    customerId: string,
    creation: TransferCreation,
    requestId: string,
  ): Promise<TransferEntityResource> {
    const url = this.partnerCenterUrl(`v1/customers/${encodeURIComponent(customerId)}/transfers`);
    const body = await this.post(link, PARTNER_CENTER_SCOPE, url, creation, { "ms-requestid": requestId });
    return transferEntitySchema.parse(body);
  }

  /** The customer's transfers this partner made, as Partner Center shows them now (none when it knows no such customer). */
  async customerTransfers(link: PartnerCenterLink, customerId: string): Promise<TransferEntityResource[]> {
    const url = this.partnerCenterUrl(`v1/customers/${encodeURIComponent(customerId)}/transfers`);
    const body = await this.get(link, PARTNER_CENTER_SCOPE, url);
    return body === undefined ? [] : transferListSchema.parse(body);
  }

  /** A transfer as Partner Center shows it now; undefined when it does not know it (404). */
  async transfer(
    link: PartnerCenterLink,
    customerId: string,
    transferId: string,
  ): Promise<TransferEntityResource | undefined> {
    const url = this.partnerCenterUrl(
      `v1/customers/${encodeURIComponent(customerId)}/transfers/${encodeURIComponent(transferId)}`,
    );
    const body = await this.get(link, PARTNER_CENTER_SCOPE, url);
    return body === undefined ? undefined : transferEntitySchema.parse(body);
  }

  private partnerCenterUrl(path: string): URL {
    return new URL(path, withSlash(this.settings.PARTNER_CENTER_ENDPOINT));
  }

  private graphUrl(path: string): URL {
    return new URL(path, withSlash(this.settings.GRAPH_ENDPOINT));
  }

  private async get(link: PartnerCenterLink, scope: string, url: URL): Promise<unknown> {
    const token = await this.accessToken(link, scope);
    const response = await send(url, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw await failure(`GET ${url.pathname}`, response);
    return response.json();
  }

  private async post(
    link: PartnerCenterLink,
    scope: string,
    url: URL,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const token = await this.accessToken(link, scope);
    const response = await send(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        "content-type": "application/json",
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await failure(`POST ${url.pathname}`, response);
    return response.json();
  }

  private accessToken(link: PartnerCenterLink, scope: string): Promise<string> {
    const cacheKey = `${link.tenantId}\n${link.applicationId}\n${scope}`;
    const cached = this.tokens.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > this.now().getTime()) return Promise.resolve(cached.value);
    // Calls that find no token together share one exchange, rather than one each.
    let exchange = this.exchanges.get(cacheKey);
    if (exchange === undefined) {
      exchange = this.exchangeToken(link, scope, cacheKey).finally(() => {
        this.exchanges.delete(cacheKey);
      });
      this.exchanges.set(cacheKey, exchange);
    }
    return exchange;
  }

  private async exchangeToken(link: PartnerCenterLink, scope: string, cacheKey: string): Promise<string> {
    const [refreshToken, applicationSecret] = await Promise.all([
      this.secrets(link.refreshTokenSecret),
      this.secrets(link.applicationSecret),
    ]);
    if (refreshToken === undefined || applicationSecret === undefined) {
      throw new PartnerCenterError(
        `Partner tenant ${link.tenantId}: the secret ${refreshToken === undefined ? link.refreshTokenSecret : link.applicationSecret} is missing`,
        undefined,
        false,
      );
    }
    const endpoint = new URL(
      this.settings.PARTNER_CENTER_TOKEN_ENDPOINT.replace("{tenantid}", link.tenantId),
    );
    const response = await send(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: link.applicationId,
        client_secret: applicationSecret,
        refresh_token: refreshToken,
        scope,
      }).toString(),
    });
    if (!response.ok) throw await failure("the token exchange", response);
    const token = tokenResponseSchema.parse(await response.json());
    this.tokens.set(cacheKey, {
      value: token.access_token,
      expiresAt: this.now().getTime() + token.expires_in * 1000 - TOKEN_EARLY_RENEWAL_MS,
    });
    return token.access_token;
  }
}

function withSlash(base: string): string {
  return base.endsWith("/") ? base : `${base}/`;
}

async function send(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new PartnerCenterError(`${url.host} did not answer: ${(error as Error).message}`, undefined, true);
  }
}

async function failure(what: string, response: Response): Promise<PartnerCenterError> {
  const retryAfter = Number(response.headers.get("retry-after"));
  const text = (await response.text()).slice(0, 500);
  const retryable = response.status === 429 || response.status >= 500;
  return new PartnerCenterError(
    `${what} answered ${response.status}: ${text}`,
    response.status,
    retryable,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
