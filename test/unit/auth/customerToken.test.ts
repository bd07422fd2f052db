import { generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";

import { CustomerTokenVerifier } from "../../../shared/auth/customerToken.js";

const ISSUER = "https://idp.example/{tenantid}/v2.0";
const now = new Date("2026-12-02T00:00:00Z");

async function tokenOf(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair("RS256");
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + 600)
    .sign(privateKey);
}

describe("customer tokens", () => {
  it("trusts only the token's own tenant's issuer, and a discovery document of that issuer", async () => {
    const fetched: string[] = [];
    const verifier = new CustomerTokenVerifier({ issuers: [ISSUER], audience: "api://x" }, (url) => {
      fetched.push(url);
      return Promise.resolve({
        issuer: "https://idp.example/other/v2.0",
        jwks_uri: "https://idp.example/keys",
      });
    });
    const claims = { tid: "c1", oid: "o1", aud: "api://x" };
    const ownIssuer = await tokenOf({ ...claims, iss: "https://idp.example/c1/v2.0" });
    expect(await verifier.verify(ownIssuer, now)).toEqual({
      ok: false,
      reason: "The issuer's discovery document names another issuer",
    });
    expect(fetched).toEqual(["https://idp.example/c1/v2.0/.well-known/openid-configuration"]);

    const anotherTenantsIssuer = await tokenOf({ ...claims, iss: "https://idp.example/c2/v2.0" });
    expect(await verifier.verify(anotherTenantsIssuer, now)).toEqual({
      ok: false,
      reason: "The bearer token's issuer is not trusted",
    });
    expect(await verifier.verify("not-a-jwt", now)).toMatchObject({ ok: false });
    expect(fetched).toHaveLength(1);
  });
});
