/**
 * Customer access tokens as Entra ID v2 issues them to a customer tenant's user, signed with the
 * checkout's development key: the claims the app checks (`iss`, `aud`, `tid`, `wids`, expiry) and the
 * ones a handler may log (`oid`, `preferred_username`, `name`).
 */
import { createHash } from "node:crypto";
import { SignJWT } from "jose";

import { ENTRA_ROLE_IDS, type EntraRoleName } from "../../shared/auth/entraRoles.js";
import { DEFAULT_ISSUER_BASE, issuerUrl, requireTenantId } from "./issuerUrls.js";
import { loadOrCreateSigningState } from "./signingState.js";

/** The audience local stacks expect unless CUSTOMER_TOKEN_AUDIENCE says otherwise. */
export const DEV_TOKEN_AUDIENCE = "api://csp-onboarding-local";

const DEFAULT_LIFETIME_SECONDS = 3600;

export interface CustomerTokenOptions {
  customerId: string;
  /** Default "global-admin", the role that may accept an invitation; "none" leaves `wids` out. */
  role?: EntraRoleName | "none";
  /** The user's UPN; default `admin@<customerId>.example`. */
  user?: string;
  /** Default: env CUSTOMER_TOKEN_AUDIENCE, else DEV_TOKEN_AUDIENCE. */
  audience?: string;
  stateDir?: string;
  /** Default: where the provider last listened (from the state file), else http://127.0.0.1:7073. */
  issuerBase?: string;
  now?: Date;
  expiresInSeconds?: number;
  /** Merged over the claims above, so tests can forge variants; a claim set to undefined is left out. */
  extraClaims?: Record<string, unknown>;
}

export async function mintCustomerToken(options: CustomerTokenOptions): Promise<string> {
  const customerId = requireTenantId(options.customerId);
  const lifetime = options.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0)
    throw new RangeError(`expiresInSeconds must be a positive whole number, not ${lifetime}`);
  const state = await loadOrCreateSigningState(options.stateDir);
  const issuerBase = (options.issuerBase ?? state.issuerBase ?? DEFAULT_ISSUER_BASE).replace(/\/+$/, "");
  const user = options.user ?? `admin@${customerId}.example`;
  const role = options.role ?? "global-admin";
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: issuerUrl(issuerBase, customerId),
    aud: options.audience ?? defaultAudience(),
    tid: customerId,
    oid: stableObjectId(customerId, user),
    preferred_username: user,
    name: displayName(user),
    ...(role === "none" ? {} : { wids: [ENTRA_ROLE_IDS[role]] }),
    ver: "2.0",
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + lifetime,
    ...options.extraClaims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: state.kid, typ: "JWT" })
    .sign(state.privateKey);
}

function defaultAudience(): string {
  const configured = process.env.CUSTOMER_TOKEN_AUDIENCE;
  return configured === undefined || configured === "" ? DEV_TOKEN_AUDIENCE : configured;
}

/**
 * A UUID-shaped id hashed from tenant and user (UPNs compare case-insensitively), so one developer's
 * "user" keeps one `oid` across tokens and runs, as a real directory object does.
 */
export function stableObjectId(tenantId: string, user: string): string {
  const hex = createHash("sha256").update(`${tenantId}\n${user.toLowerCase()}`).digest("hex");
  // Version 8 (custom) and the RFC 9562 variant bits, so UUID parsers accept it.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** "admin@contoso.example" → "admin": enough for a log line. */
function displayName(user: string): string {
  return user.split("@")[0] || user;
}
