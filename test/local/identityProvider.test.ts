/**
 * The development identity provider as the app meets it: a real server on a free port, tokens
 * verified with jose through OpenID discovery, and the key file shared with the token command.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";

import { projectRoot } from "../../local/appLocation.js";
import {
  DEV_IDENTITY_PROVIDER_PORT,
  DEV_TOKEN_AUDIENCE,
  mintCustomerToken,
  startDevIdentityProvider,
  type DevIdentityProvider,
} from "../../local/identity/index.js";
import { ENTRA_ROLE_IDS } from "../../shared/auth/entraRoles.js";

const root = projectRoot(import.meta.url);
const CUSTOMER = "contoso-0001";

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.string() });

/** What the app does: discovery from the issuer, then the JWKS it names. */
async function verify(token: string, issuer: string, audience = DEV_TOKEN_AUDIENCE): Promise<JWTPayload> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  const discovery = discoverySchema.parse(await response.json());
  const keys = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload } = await jwtVerify(token, keys, {
    issuer: discovery.issuer,
    audience,
    algorithms: ["RS256"],
  });
  return payload;
}

function issuerOf(provider: DevIdentityProvider, tenantId: string): string {
  return provider.issuerTemplate.replace("{tenantid}", tenantId);
}

let stateDir: string;
let provider: DevIdentityProvider | undefined;

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "identity-provider-"));
});

afterEach(async () => {
  await provider?.close();
  provider = undefined;
  await rm(stateDir, { recursive: true, force: true });
});

async function startProvider(): Promise<DevIdentityProvider> {
  provider = await startDevIdentityProvider({ port: 0, stateDir });
  return provider;
}

describe("the server", () => {
  it("serves Entra-shaped discovery and a JWKS with one signing key, on loopback only", async () => {
    const { url, issuerTemplate } = await startProvider();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe(`http://127.0.0.1:${DEV_IDENTITY_PROVIDER_PORT}`);
    expect(issuerTemplate).toBe(`${url}/{tenantid}/v2.0`);

    const discovery = await fetch(`${url}/${CUSTOMER}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await discovery.json()).toMatchObject({
      issuer: `${url}/${CUSTOMER}/v2.0`,
      jwks_uri: `${url}/${CUSTOMER}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ["RS256"],
    });

    const keys = (await (await fetch(`${url}/${CUSTOMER}/discovery/v2.0/keys`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(keys.keys).toHaveLength(1);
    const [key] = keys.keys;
    expect(key).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256" });
    expect(Object.keys(key!).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
  });

  it.each([
    ["an unknown path", "/"],
    ["a path Entra does not serve", `/${CUSTOMER}/oauth2/v2.0/token`],
    ["a tenant id with a forbidden character", "/contoso%3Ax/v2.0/.well-known/openid-configuration"],
    ["a tenant id over 100 characters", `/${"a".repeat(101)}/discovery/v2.0/keys`],
  ])("answers %s with a 404 problem document", async (_name, requestPath) => {
    const { url } = await startProvider();
    const response = await fetch(`${url}${requestPath}`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 404, title: "No such resource" });
  });

  it("answers other methods with 404", async () => {
    const { url } = await startProvider();
    const response = await fetch(`${url}/${CUSTOMER}/discovery/v2.0/keys`, { method: "POST" });
    expect(response.status).toBe(404);
  });

  it("refuses a port that is taken, saying so", async () => {
    const first = await startProvider();
    const port = Number(new URL(first.url).port);
    await expect(startDevIdentityProvider({ port, stateDir })).rejects.toThrow(/127\.0\.0\.1:\d+ \(in use/);
  });
});

describe("minted tokens", () => {
  it("verify through discovery and carry Entra v2's claims", async () => {
    const server = await startProvider();
    const now = new Date();
    const token = await mintCustomerToken({ customerId: CUSTOMER, stateDir, now });
    const payload = await verify(token, issuerOf(server, CUSTOMER));
    const issuedAt = Math.floor(now.getTime() / 1000);
    expect(payload).toEqual({
      iss: `${server.url}/${CUSTOMER}/v2.0`,
      aud: DEV_TOKEN_AUDIENCE,
      tid: CUSTOMER,
      oid: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ) as unknown,
      preferred_username: `admin@${CUSTOMER}.example`,
      name: "admin",
      wids: [ENTRA_ROLE_IDS["global-admin"]],
      ver: "2.0",
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + 3600,
    });
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: "RS256", kid: expect.any(String) as unknown, typ: "JWT" });
  });

  it("give one user one oid, and another user another", async () => {
    const oidOf = async (user: string | undefined, customerId = CUSTOMER): Promise<unknown> => {
      const token = await mintCustomerToken({
        customerId,
        stateDir,
        ...(user === undefined ? {} : { user }),
      });
      return decodeJwt(token).oid;
    };
    const admin = await oidOf(undefined);
    expect(await oidOf(`admin@${CUSTOMER}.example`)).toBe(admin);
    expect(await oidOf(`Admin@${CUSTOMER.toUpperCase()}.EXAMPLE`)).toBe(admin);
    expect(await oidOf("helpdesk@contoso.example")).not.toBe(admin);
    expect(await oidOf(`admin@${CUSTOMER}.example`, "fabrikam")).not.toBe(admin);
  });

  it("carry the chosen role, user, audience and lifetime", async () => {
    const server = await startProvider();
    const token = await mintCustomerToken({
      customerId: CUSTOMER,
      stateDir,
      role: "user-admin",
      user: "helpdesk@contoso.example",
      audience: "api://other",
      expiresInSeconds: 120,
    });
    const payload = await verify(token, issuerOf(server, CUSTOMER), "api://other");
    expect(payload).toMatchObject({
      wids: [ENTRA_ROLE_IDS["user-admin"]],
      preferred_username: "helpdesk@contoso.example",
      name: "helpdesk",
    });
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it("leave wids out for role none", async () => {
    const server = await startProvider();
    const token = await mintCustomerToken({ customerId: CUSTOMER, stateDir, role: "none" });
    expect(await verify(token, issuerOf(server, CUSTOMER))).not.toHaveProperty("wids");
  });

  it("take the audience from CUSTOMER_TOKEN_AUDIENCE when it is set", async () => {
    const server = await startProvider();
    const previous = process.env.CUSTOMER_TOKEN_AUDIENCE;
    process.env.CUSTOMER_TOKEN_AUDIENCE = "api://from-settings";
    try {
      const token = await mintCustomerToken({ customerId: CUSTOMER, stateDir });
      expect((await verify(token, issuerOf(server, CUSTOMER), "api://from-settings")).aud).toBe(
        "api://from-settings",
      );
    } finally {
      if (previous === undefined) delete process.env.CUSTOMER_TOKEN_AUDIENCE;
      else process.env.CUSTOMER_TOKEN_AUDIENCE = previous;
    }
  });

  it("can be forged with extra claims, which validation then refuses", async () => {
    const server = await startProvider();
    const issuer = issuerOf(server, CUSTOMER);
    const wrongTenant = await mintCustomerToken({
      customerId: CUSTOMER,
      stateDir,
      extraClaims: { tid: "other" },
    });
    expect((await verify(wrongTenant, issuer)).tid).toBe("other");
    const noTenant = await mintCustomerToken({
      customerId: CUSTOMER,
      stateDir,
      extraClaims: { tid: undefined },
    });
    expect(await verify(noTenant, issuer)).not.toHaveProperty("tid");

    const expired = await mintCustomerToken({
      customerId: CUSTOMER,
      stateDir,
      now: new Date(Date.now() - 2 * 3600_000),
    });
    await expect(verify(expired, issuer)).rejects.toThrow(/"exp" claim timestamp check failed/);
    const otherIssuer = await mintCustomerToken({
      customerId: CUSTOMER,
      stateDir,
      issuerBase: "http://example.test",
    });
    await expect(verify(otherIssuer, issuer)).rejects.toThrow(/unexpected "iss" claim value/);
    const otherAudience = await mintCustomerToken({
      customerId: CUSTOMER,
      stateDir,
      audience: "api://elsewhere",
    });
    await expect(verify(otherAudience, issuer)).rejects.toThrow(/unexpected "aud" claim value/);
  });

  it("refuse a bad tenant id or lifetime", async () => {
    await expect(mintCustomerToken({ customerId: "a/b", stateDir })).rejects.toThrow(/Tenant id "a\/b"/);
    await expect(mintCustomerToken({ customerId: "", stateDir })).rejects.toThrow(/Tenant id/);
    await expect(mintCustomerToken({ customerId: CUSTOMER, stateDir, expiresInSeconds: 0 })).rejects.toThrow(
      RangeError,
    );
  });

  it("default to the issuer the provider last ran at, else port 7073", async () => {
    const before = await mintCustomerToken({ customerId: CUSTOMER, stateDir });
    expect(decodeJwt(before).iss).toBe(`http://127.0.0.1:${DEV_IDENTITY_PROVIDER_PORT}/${CUSTOMER}/v2.0`);
    const server = await startProvider();
    await server.close();
    provider = undefined;
    const after = await mintCustomerToken({ customerId: CUSTOMER, stateDir });
    expect(decodeJwt(after).iss).toBe(`${server.url}/${CUSTOMER}/v2.0`);
  });
});

describe("the state file", () => {
  const stateFile = (): string => path.join(stateDir, "identity-provider.json");

  const servedKid = async (server: DevIdentityProvider): Promise<unknown> => {
    const response = await fetch(`${server.url}/${CUSTOMER}/discovery/v2.0/keys`);
    return ((await response.json()) as { keys: { kid: string }[] }).keys[0]?.kid;
  };

  it("is created 0600 by the provider and reused by every mint", async () => {
    const server = await startProvider();
    expect((await stat(stateFile())).mode & 0o777).toBe(0o600);
    const created = await readFile(stateFile(), "utf8");
    const issuer = issuerOf(server, CUSTOMER);
    const first = await mintCustomerToken({ customerId: CUSTOMER, stateDir });
    const second = await mintCustomerToken({ customerId: CUSTOMER, stateDir, user: "other@contoso.example" });
    await expect(verify(first, issuer)).resolves.toMatchObject({ tid: CUSTOMER });
    await expect(verify(second, issuer)).resolves.toMatchObject({
      preferred_username: "other@contoso.example",
    });
    expect(await readFile(stateFile(), "utf8")).toBe(created);
    expect(JSON.parse(created)).toMatchObject({ kid: await servedKid(server), issuerBase: server.url });
  });

  it("is created 0600 by a mint and reused by the provider, which records its base", async () => {
    const before = await mintCustomerToken({ customerId: CUSTOMER, stateDir });
    expect((await stat(stateFile())).mode & 0o777).toBe(0o600);
    const server = await startProvider();
    expect(await servedKid(server)).toBe(decodeProtectedHeader(before).kid);
    const state = JSON.parse(await readFile(stateFile(), "utf8")) as Record<string, unknown>;
    expect(state.issuerBase).toBe(server.url);
    expect((await stat(stateFile())).mode & 0o777).toBe(0o600);
    await expect(
      verify(await mintCustomerToken({ customerId: CUSTOMER, stateDir }), issuerOf(server, CUSTOMER)),
    ).resolves.toBeDefined();
  });

  it("gets one key when first uses race", async () => {
    const tokens = await Promise.all(
      Array.from({ length: 4 }, () => mintCustomerToken({ customerId: CUSTOMER, stateDir })),
    );
    const kids = new Set(tokens.map((token) => decodeProtectedHeader(token).kid));
    expect(kids.size).toBe(1);
    expect(await servedKid(await startProvider())).toBe([...kids][0]);
  });

  it("of another checkout signs tokens this provider does not accept", async () => {
    const server = await startProvider();
    const otherDir = await mkdtemp(path.join(tmpdir(), "identity-provider-other-"));
    try {
      const token = await mintCustomerToken({
        customerId: CUSTOMER,
        stateDir: otherDir,
        issuerBase: server.url,
      });
      await expect(verify(token, issuerOf(server, CUSTOMER))).rejects.toThrow(/no applicable key found/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it.each([
    ["not JSON", "{ not json"],
    ["missing the key", JSON.stringify({ version: 1, kid: "k", createdAt: new Date().toISOString() })],
  ])("is named when it is corrupt (%s)", async (_name, text) => {
    await writeFile(stateFile(), text, { mode: 0o600 });
    await expect(mintCustomerToken({ customerId: CUSTOMER, stateDir })).rejects.toThrow(
      `state file ${stateFile()} is corrupt`,
    );
    await expect(startDevIdentityProvider({ port: 0, stateDir })).rejects.toThrow(
      `${stateFile()} is corrupt`,
    );
  });

  it("is corrupt with a field it does not know", async () => {
    await mintCustomerToken({ customerId: CUSTOMER, stateDir });
    const state = JSON.parse(await readFile(stateFile(), "utf8")) as Record<string, unknown>;
    await writeFile(stateFile(), JSON.stringify({ ...state, note: "hand-edited" }));
    await expect(mintCustomerToken({ customerId: CUSTOMER, stateDir })).rejects.toThrow(
      /is corrupt: .*Unrecognized key: "note"/,
    );
  });

  it("is corrupt when the key does not import", async () => {
    await mintCustomerToken({ customerId: CUSTOMER, stateDir });
    const state = JSON.parse(await readFile(stateFile(), "utf8")) as { privateJwk: Record<string, string> };
    await writeFile(
      stateFile(),
      JSON.stringify({ ...state, privateJwk: { ...state.privateJwk, n: "AQAB" } }),
    );
    await expect(mintCustomerToken({ customerId: CUSTOMER, stateDir })).rejects.toThrow(/is corrupt/);
  });
});

describe("npm run token", () => {
  const run = promisify(execFile);
  const token = (args: readonly string[]): Promise<{ stdout: string; stderr: string }> =>
    run(process.execPath, ["--import", "tsx", path.join(root, "local", "token.ts"), ...args], {
      cwd: root,
      env: { ...process.env, CUSTOMER_TOKEN_AUDIENCE: "" },
    });

  it("prints a token alone on stdout that the provider's keys verify", async () => {
    const server = await startProvider();
    const { stdout, stderr } = await token([
      "--customer",
      CUSTOMER,
      "--role",
      "user-admin",
      "--minutes",
      "5",
      "--state-dir",
      stateDir,
    ]);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const payload = await verify(stdout.trim(), issuerOf(server, CUSTOMER));
    expect(payload).toMatchObject({ tid: CUSTOMER, wids: [ENTRA_ROLE_IDS["user-admin"]] });
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it.each([
    ["no customer", []],
    ["a bad customer id", ["--customer", "a b"]],
    ["an unknown role", ["--customer", CUSTOMER, "--role", "owner"]],
    ["minutes that are not a number", ["--customer", CUSTOMER, "--minutes", "soon"]],
    ["an unknown option", ["--customer", CUSTOMER, "--tenant", "x"]],
    ["a stray argument", ["--customer", CUSTOMER, "extra"]],
  ])("exits 2 with usage for %s, creating nothing", async (_name, args) => {
    const failure = await token([...args, "--state-dir", stateDir]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe("");
    expect(failure?.stderr).toMatch(/^Usage: npm run token -- --customer/m);
    await expect(stat(path.join(stateDir, "identity-provider.json"))).rejects.toThrow(/ENOENT/);
  });
});
