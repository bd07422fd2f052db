/**
 * The provider's URLs: Entra ID's paths (`/{tenantid}/v2.0`, `/{tenantid}/discovery/v2.0/keys`) on a
 * loopback base, so the app's discovery code cannot tell the two apart.
 */

/** The provider's default port; the Functions host has 7071. */
export const DEV_IDENTITY_PROVIDER_PORT = 7073;

/** The placeholder TRUSTED_TOKEN_ISSUERS templates carry, as in Entra's multi-tenant metadata. */
export const TENANT_PLACEHOLDER = "{tenantid}";

const TENANT_ID_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}

export function requireTenantId(value: string): string {
  if (!isTenantId(value))
    throw new Error(`Tenant id ${JSON.stringify(value)} must be 1–100 letters, digits, '.', '-' or '_'`);
  return value;
}

/** The provider's base URL when it listens on the port: loopback only, never a name that could resolve elsewhere. */
export function loopbackBase(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export const DEFAULT_ISSUER_BASE = loopbackBase(DEV_IDENTITY_PROVIDER_PORT);

export function issuerUrl(base: string, tenantId: string): string {
  return `${base}/${tenantId}/v2.0`;
}

export function jwksUrl(base: string, tenantId: string): string {
  return `${base}/${tenantId}/discovery/v2.0/keys`;
}

/** What TRUSTED_TOKEN_ISSUERS should hold for the app to trust this provider. */
export function issuerTemplate(base: string): string {
  return issuerUrl(base, TENANT_PLACEHOLDER);
}
