/**
 * A customer's Entra ID access token, checked with jose: the issuer must be a trusted one for the
 * token's own tenant (`{tenantid}` in TRUSTED_TOKEN_ISSUERS filled with `tid`), its keys are found by
 * OpenID discovery and cached, and the signature, audience, expiry and not-before must hold. jose is
 * loaded on the first token, not at cold start: only the two answer routes need it.
 */
import type * as JoseModule from "jose";
import type { JWTVerifyGetKey } from "jose";
import { z } from "zod";

import { idSchema } from "../domain/model.js";

export interface CustomerIdentity {
  /** The customer tenant (`tid`). */
  tenantId: string;
  /** The user's object id (`oid`). */
  objectId: string;
  /** `preferred_username`, when the token carries one. */
  username: string | undefined;
  /** Directory role template ids (`wids`). */
  roleIds: readonly string[];
}

export type TokenCheck = { ok: true; identity: CustomerIdentity } | { ok: false; reason: string };

const claimsSchema = z.object({
  tid: idSchema,
  oid: z.string().min(1).max(128),
  preferred_username: z.string().min(1).max(256).optional(),
  wids: z.array(z.string()).max(200).optional(),
});

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

/** Tokens are allowed this much clock difference, as Entra ID's own libraries allow. */
const CLOCK_TOLERANCE_SECONDS = 60;
const DISCOVERY_TTL_MS = 24 * 60 * 60 * 1000;

export class CustomerTokenVerifier {
  private readonly discovered = new Map<string, { keys: JWTVerifyGetKey; until: number }>();
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(
    private readonly options: { issuers: readonly string[]; audience: string },
    private readonly fetchJson: (url: string) => Promise<unknown> = defaultFetchJson,
  ) {}

  async verify(token: string, now: Date): Promise<TokenCheck> {
    const jose = await loadJose();
    let unverified: ReturnType<typeof jose.decodeJwt>;
    try {
      unverified = jose.decodeJwt(token);
    } catch {
      return { ok: false, reason: "The bearer token is not a JWT" };
    }
    const tenant = idSchema.safeParse(unverified.tid);
    if (!tenant.success) return { ok: false, reason: "The bearer token names no valid tenant (tid)" };
    const issuer = this.options.issuers
      .map((template) => template.replaceAll("{tenantid}", tenant.data))
      .find((candidate) => candidate === unverified.iss);
    if (issuer === undefined) return { ok: false, reason: "The bearer token's issuer is not trusted" };
    const keys = await this.keysOf(issuer, now, jose);
    if (keys === undefined)
      return { ok: false, reason: "The issuer's discovery document names another issuer" };
    try {
      const { payload } = await jose.jwtVerify(token, keys, {
        issuer,
        audience: this.options.audience,
        algorithms: ["RS256"],
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "tid", "oid"],
      });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return { ok: false, reason: "The bearer token lacks tid or oid" };
      return {
        ok: true,
        identity: {
          tenantId: claims.data.tid,
          objectId: claims.data.oid,
          username: claims.data.preferred_username,
          roleIds: claims.data.wids ?? [],
        },
      };
    } catch (error) {
      if (error instanceof jose.errors.JOSEError && !(error instanceof jose.errors.JWKSTimeout)) {
        return { ok: false, reason: `The bearer token is not valid: ${error.code}` };
      }
      throw error;
    }
  }

  /** The issuer's key set, by discovery; jose refreshes the set itself when a new kid appears. */
  /** Undefined when the discovery document is not the issuer's own (OpenID Connect Discovery §4.3). */
  private async keysOf(issuer: string, now: Date, jose: Jose): Promise<JWTVerifyGetKey | undefined> {
    const cached = this.discovered.get(issuer);
    if (cached !== undefined && cached.until > now.getTime()) return cached.keys;
    const document = discoverySchema.parse(
      await this.fetchJson(`${issuer}/.well-known/openid-configuration`),
    );
    if (document.issuer !== issuer) return undefined;
    let keys = this.keySets.get(document.jwks_uri);
    if (keys === undefined) {
      keys = jose.createRemoteJWKSet(new URL(document.jwks_uri));
      this.keySets.set(document.jwks_uri, keys);
    }
    this.discovered.set(issuer, { keys, until: now.getTime() + DISCOVERY_TTL_MS });
    return keys;
  }
}

type Jose = typeof JoseModule;
let joseModule: Promise<Jose> | undefined;

function loadJose(): Promise<Jose> {
  joseModule ??= import("jose");
  return joseModule;
}

/** A GET of JSON; a failure to reach the issuer is a dependency failure (503), never a 401. */
async function defaultFetchJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: "error" });
  } catch (cause) {
    throw Object.assign(new Error(`The token issuer could not be reached (${url})`, { cause }), {
      code: "ServiceUnavailable",
    });
  }
  if (!response.ok) {
    throw Object.assign(new Error(`The token issuer answered ${response.status} for ${url}`), {
      code: "ServiceUnavailable",
    });
  }
  return response.json();
}
