import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";
import { collectingLogger, fixturesDir, invocationsOf } from "./helpers.js";

const appDir = path.join(fixturesDir, "httpApp");
const { log, entries } = collectingLogger();
let host: LocalHost;
let base: string;

beforeAll(async () => {
  host = await startLocalHost({
    rootDir: appDir,
    port: 0,
    hostname: "127.0.0.1",
    log,
    localSettingsPath: false,
    maxRequestBodyBytes: 64 * 1024,
  });
  base = `http://127.0.0.1:${host.port}/api`;
});

afterAll(async () => {
  await host.close();
});

interface Described {
  functionName: string;
  invocationId: string;
  method: string;
  url: string;
  params: Record<string, string>;
  query: Record<string, string[]>;
  custom: string | null;
  contentType: string | null;
  bodyLength: number;
  bodySha256: string;
}

async function describeCall(url: string, init?: RequestInit): Promise<Described> {
  const response = await fetch(url, init);
  expect(response.status).toBe(200);
  return (await response.json()) as Described;
}

describe("HTTP routing", () => {
  it("passes route parameters, query and headers to the function", async () => {
    const seen = await describeCall(`${base}/partners/p-42?region=eu&tag=a&tag=b`, {
      headers: { "x-custom": "custom value" },
    });
    expect(seen).toMatchObject({
      functionName: "getPartner",
      method: "GET",
      params: { partnerId: "p-42" },
      query: { region: ["eu"], tag: ["a", "b"] },
      custom: "custom value",
    });
    expect(seen.url).toBe(`${base}/partners/p-42?region=eu&tag=a&tag=b`);
  });

  it("routes on method: the same template serves GET and PUT through different functions", async () => {
    const put = await describeCall(`${base}/partners/p-1`, { method: "PUT", body: "{}" });
    expect(put.functionName).toBe("putPartner");
  });

  it("matches routes with several parameters and decodes them", async () => {
    const seen = await describeCall(`${base}/customers/c%201/subscriptions/s-9`);
    expect(seen.functionName).toBe("getSubscription");
    expect(seen.params).toEqual({ customerId: "c 1", subscriptionId: "s-9" });
  });

  it("prefers a literal segment over a parameter that would also match", async () => {
    expect((await describeCall(`${base}/partners/special`)).functionName).toBe("partnerSpecial");
    expect((await describeCall(`${base}/partners/specials`)).functionName).toBe("getPartner");
  });

  it("handles an optional parameter with a constraint", async () => {
    expect((await describeCall(`${base}/items`)).params).toEqual({});
    expect((await describeCall(`${base}/items/17`)).params).toEqual({ id: "17" });
    expect((await fetch(`${base}/items/seventeen`)).status).toBe(404);
  });

  it("uses the function name as the default route, case-insensitively", async () => {
    expect((await describeCall(`${base}/hello`)).functionName).toBe("hello");
    expect((await describeCall(`${base}/HELLO`, { method: "POST" })).functionName).toBe("hello");
  });

  it("answers 404 for unknown routes and for paths outside the route prefix", async () => {
    const unknown = await fetch(`${base}/nowhere`);
    expect(unknown.status).toBe(404);
    const unprefixed = await fetch(`http://127.0.0.1:${host.port}/partners/p-1`);
    expect(unprefixed.status).toBe(404);
  });

  it("answers 405 with Allow when the route exists under other methods", async () => {
    const response = await fetch(`${base}/partners/p-1`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, PUT");
  });
});

describe("HTTP bodies and responses", () => {
  it("passes the raw body through byte for byte and returns binary bodies intact", async () => {
    const body = Buffer.concat([
      Buffer.from('{ "a" : 1,\r\n  "b": "é" }  '),
      randomBytes(512),
      Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
    ]);
    const response = await fetch(`${base}/echo`, { method: "POST", body });
    expect(response.status).toBe(200);
    const returned = Buffer.from(await response.arrayBuffer());
    expect(returned.equals(body)).toBe(true);
    expect(response.headers.get("x-body-sha256")).toBe(createHash("sha256").update(body).digest("hex"));
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
  });

  it("gives the function the exact bytes of a JSON body (what webhook signatures cover)", async () => {
    const raw = '{"partnerId" : "p-1",   "name":"Contoso"}\n';
    const seen = await describeCall(`${base}/partners/p-1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: raw,
    });
    expect(seen.bodySha256).toBe(createHash("sha256").update(raw).digest("hex"));
    expect(seen.contentType).toBe("application/json");
  });

  it("returns the function's status, headers, cookies and problem+json body", async () => {
    const response = await fetch(`${base}/problems`, { method: "POST", body: "{}" });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(response.headers.get("set-cookie")).toBe("session=s1; Path=/; HttpOnly; SameSite=Strict");
    expect(await response.json()).toEqual({
      type: "https://example.test/problems/validation",
      title: "Invalid request",
      status: 422,
      errors: [{ path: "partnerId", message: "Required" }],
    });
  });

  it("answers 200 with an empty body when the function returns nothing", async () => {
    const response = await fetch(`${base}/nothing`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("answers 500 when the function throws, and logs the failure", async () => {
    const response = await fetch(`${base}/boom`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    const [failure] = invocationsOf(entries, "boom");
    expect(failure).toMatchObject({ outcome: "Failed", error: "Error: kaboom" });
  });
});

describe("invocation logs and hooks", () => {
  it("logs the function's lines with its invocation id, then one summary line", async () => {
    const response = await fetch(`${base}/logs`);
    const invocationId = await response.text();
    const lines = entries.filter((entry) => entry.kind === "function" && entry.invocationId === invocationId);
    expect(lines).toMatchObject([
      { level: "information", message: "an information line", functionName: "logs" },
      { level: "warning", message: "a warning line", functionName: "logs" },
      // Rewritten by the app's log hook, as the worker lets log hooks do.
      { level: "warning", message: "[redacted]", functionName: "logs" },
    ]);
    expect(invocationsOf(entries, "logs")).toMatchObject([
      { invocationId, outcome: "Succeeded", functionName: "logs" },
    ]);
  });

  it("runs pre- and post-invocation hooks around the handler, sharing hookData", async () => {
    const response = await fetch(`${base}/hooked`);
    expect(response.headers.get("x-hook-data")).toBe("preInvocation");
    expect(await response.json()).toEqual({ wrapped: "original" });
  });

  it("lists the functions it serves", () => {
    expect(host.functions).toContainEqual({
      name: "getSubscription",
      trigger: "http",
      description: `[GET] http://localhost:${host.port}/api/customers/{customerId}/subscriptions/{subscriptionId}`,
    });
  });
});
