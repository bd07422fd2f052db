import { describe, expect, it } from "vitest";

import { signatureHex, signingString, signRequest, verifySignature } from "../../../shared/auth/signing.js";

const secret = "a-partner-secret-of-at-least-32-characters";
const now = new Date("2026-11-21T10:00:00Z");
const timestamp = String(Math.floor(now.getTime() / 1000));
const parts = {
  method: "POST",
  pathAndQuery: "/api/migrations",
  idempotencyKey: "key-1",
  body: Buffer.from('{"partnerId":"p1"}'),
};

function check(overrides: Partial<Parameters<typeof verifySignature>[0]> = {}) {
  return verifySignature({
    timestamp,
    signature: `sha256=${signatureHex(secret, { ...parts, timestamp })}`,
    parts,
    secret,
    now,
    ...overrides,
  });
}

describe("request signatures", () => {
  it("signs the worked example of the README", () => {
    const example = {
      timestamp: "1795000000",
      method: "PUT",
      pathAndQuery: "/api/partners/contoso-csp",
      idempotencyKey: "",
      body: '{"name":"Contoso CSP","region":"US","cloud":"public","kind":"direct"}',
    };
    expect(signingString(example)).toBe("1795000000\nPUT\n/api/partners/contoso-csp\n\n");
    expect(signatureHex("local-example-secret-of-32-characters-00", example)).toBe(
      "e8972a117faffb5c6f7e56bee13629cd0f653fc00f499cbf185d6184ce0bdc31",
    );
  });

  it.each([
    ["a correct signature", {}, true],
    ["a timestamp 299 s old", { now: new Date(now.getTime() + 299_000) }, true],
    ["no headers", { timestamp: null, signature: null }, false],
    ["a stale timestamp (replay)", { now: new Date(now.getTime() + 301_000) }, false],
    ["a timestamp from the future", { now: new Date(now.getTime() - 301_000) }, false],
    ["a non-numeric timestamp", { timestamp: "yesterday" }, false],
    ["a wrong secret", { secret: "not-the-right-secret-of-32-characters-0" }, false],
    ["a changed body", { parts: { ...parts, body: Buffer.from('{"partnerId":"p2"}') } }, false],
    ["another path", { parts: { ...parts, pathAndQuery: "/api/relationship-requests" } }, false],
    ["another query", { parts: { ...parts, pathAndQuery: "/api/migrations?x=1" } }, false],
    ["another method", { parts: { ...parts, method: "PUT" } }, false],
    ["another Idempotency-Key", { parts: { ...parts, idempotencyKey: "key-2" } }, false],
    ["a malformed signature", { signature: "sha256=zz" }, false],
  ] as const)("%s → %s", (_name, overrides, ok) => {
    expect(check(overrides).ok).toBe(ok);
  });

  it("says why a request is refused", () => {
    expect(check({ secret: "not-the-right-secret-of-32-characters-0" })).toEqual({
      ok: false,
      reason: "X-Signature does not match the request",
    });
  });

  it("makes the headers a caller sends, which verify", () => {
    const headers = signRequest({ keyId: "k1", secret, ...parts, now });
    expect(headers).toMatchObject({ "x-key-id": "k1", "x-timestamp": timestamp, "idempotency-key": "key-1" });
    expect(check({ signature: headers["x-signature"] ?? null }).ok).toBe(true);
  });
});
