/**
 * Who is calling: proven by a signature under an operator's or a partner's key, or by a customer
 * tenant's token. Nothing in a request's body says who calls.
 */
import type { HttpRequest } from "@azure/functions";

import type { Caller } from "../domain/index.js";
import type { CustomerTokenVerifier } from "./customerToken.js";
import type { Keyring } from "./keyring.js";
import {
  CERTIFICATE_URL_HEADER,
  type PartnerCenterSignatureVerifier,
  SIGNATURE_ALGORITHM_HEADER,
} from "./partnerCenterSignature.js";
import {
  IDEMPOTENCY_HEADER,
  KEY_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from "./signing.js";

export type Authentication = { ok: true; caller: Caller } | { ok: false; reason: string };

/** The path and query as the request line had them: part of what a signature covers. */
export function pathAndQueryOf(request: HttpRequest): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

/** Proves the caller, before anything of the request is parsed. */
export async function authenticate(
  request: HttpRequest,
  raw: Buffer,
  proofs: {
    keyring: Keyring;
    tokens: CustomerTokenVerifier;
    /** Absent in records mode: Partner Center's events are then not taken. */
    partnerCenter: PartnerCenterSignatureVerifier | undefined;
    now: Date;
  },
): Promise<Authentication> {
  const authorization = request.headers.get("authorization");
  if (authorization?.startsWith("Signature ") === true) {
    if (proofs.partnerCenter === undefined) {
      return {
        ok: false,
        reason: "PARTNER_CENTER_MODE is records: events from Partner Center are not taken (set it to live)",
      };
    }
    const checked = await proofs.partnerCenter.verify(
      {
        authorization,
        certificateUrl: request.headers.get(CERTIFICATE_URL_HEADER),
        algorithm: request.headers.get(SIGNATURE_ALGORITHM_HEADER),
      },
      raw,
      proofs.now,
    );
    return checked.ok
      ? { ok: true, caller: { kind: "partner-center", certificateThumbprint: checked.thumbprint } }
      : checked;
  }
  if (authorization !== null) {
    const bearer = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
    if (bearer?.[1] === undefined) return { ok: false, reason: "Authorization must be 'Bearer <token>'" };
    const checked = await proofs.tokens.verify(bearer[1], proofs.now);
    return checked.ok ? { ok: true, caller: { kind: "customer", ...checked.identity } } : checked;
  }
  const keyId = request.headers.get(KEY_ID_HEADER);
  if (keyId === null) {
    return {
      ok: false,
      reason:
        "Sign the request (X-Key-Id, X-Timestamp, X-Signature) or, to answer an invitation, send the customer's bearer token",
    };
  }
  const key = await proofs.keyring.find(keyId);
  if (key === undefined) return { ok: false, reason: `Key ${keyId} is unknown or revoked` };
  const check = verifySignature({
    timestamp: request.headers.get(TIMESTAMP_HEADER),
    signature: request.headers.get(SIGNATURE_HEADER),
    parts: {
      method: request.method,
      pathAndQuery: pathAndQueryOf(request),
      idempotencyKey: request.headers.get(IDEMPOTENCY_HEADER) ?? "",
      body: raw,
    },
    secret: key.secret,
    now: proofs.now,
  });
  if (!check.ok) return check;
  return {
    ok: true,
    caller:
      key.kind === "operator"
        ? { kind: "operator", keyId }
        : { kind: "partner", keyId, partnerId: key.partnerId },
  };
}

/** Whom an Idempotency-Key belongs to: keys of different callers never meet. */
export function idempotencyScope(caller: Caller): string {
  switch (caller.kind) {
    case "operator":
      return "operator";
    case "partner":
      return `partner.${caller.partnerId}`;
    case "customer":
      return `customer.${caller.tenantId}`;
    case "partner-center":
      return "partner-center";
  }
}

/** Who did it, for history entries. */
export function callerName(caller: Caller): string {
  switch (caller.kind) {
    case "operator":
      return `operator:${caller.keyId}`;
    case "partner":
      return `partner:${caller.partnerId}`;
    case "customer":
      return caller.username ?? caller.objectId;
    case "partner-center":
      return "partner-center";
  }
}
