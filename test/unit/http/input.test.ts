import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { migrationRequestBodySchema } from "../../../shared/domain/requests.js";
import {
  parseJsonBody,
  parseParams,
  readIdempotencyKey,
  readSignedBody,
  requestHash,
} from "../../../shared/http/input.js";
import { signedHeaders } from "../../../shared/http/signature.js";

const secret = "a-development-secret-0001";

function request(body: string, headers: Record<string, string> = {}, params: Record<string, string> = {}) {
  return new HttpRequest({
    method: "POST",
    url: "http://localhost/api/migrations",
    body: { string: body },
    headers: { "content-type": "application/json", ...signedHeaders(secret, body), ...headers },
    params,
  });
}

function problemOf(response: { body?: unknown; status?: number }) {
  return { status: response.status, ...(JSON.parse(String(response.body)) as Record<string, unknown>) };
}

describe("reading a signed JSON body", () => {
  it("accepts a signed, valid body", async () => {
    const body = JSON.stringify({
      partnerId: "p1",
      customerId: "c1",
      actor: { userId: "u1", role: "sales-agent" },
      items: [{ subscriptionId: "s1", cancelOriginal: "at-term-end" }],
    });
    const req = request(body);
    const signed = await readSignedBody(req, [secret], new Date());
    expect(signed.ok).toBe(true);
    if (!signed.ok) return;
    const parsed = parseJsonBody(req, signed.value.raw, migrationRequestBodySchema);
    expect(parsed.ok && parsed.value.items[0]?.subscriptionId).toBe("s1");
  });

  it("refuses an unsigned body with 401 before parsing it", async () => {
    const req = new HttpRequest({
      method: "POST",
      url: "http://localhost/api/x",
      body: { string: "not json" },
    });
    const signed = await readSignedBody(req, [secret], new Date());
    expect(signed.ok).toBe(false);
    if (signed.ok) return;
    expect(signed.response.status).toBe(401);
    expect(signed.response.headers).toMatchObject({ "content-type": "application/problem+json" });
  });

  it("refuses a body over the size limit with 413", async () => {
    const signed = await readSignedBody(request("x".repeat(300 * 1024)), [secret], new Date());
    expect(!signed.ok && signed.response.status).toBe(413);
  });

  it("lists every schema problem with JSON Pointer paths", () => {
    const body = JSON.stringify({
      partnerId: "",
      actor: { role: 5 },
      items: [{ subscriptionId: "s1" }],
      extra: 1,
    });
    const req = request(body);
    const parsed = parseJsonBody(req, Buffer.from(body), migrationRequestBodySchema);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const doc = problemOf(parsed.response);
    expect(doc.status).toBe(400);
    const paths = (doc.errors as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/partnerId",
        "/customerId",
        "/actor/userId",
        "/actor/role",
        "/items/0/cancelOriginal",
      ]),
    );
  });

  it("refuses malformed JSON with 400 and a wrong content type with 415", () => {
    const bad = parseJsonBody(request("{"), Buffer.from("{"), z.object({}));
    expect(!bad.ok && bad.response.status).toBe(400);
    const text = request("{}", { "content-type": "text/plain" });
    const wrongType = parseJsonBody(text, Buffer.from("{}"), z.object({}));
    expect(!wrongType.ok && wrongType.response.status).toBe(415);
  });
});

describe("path parameters and headers", () => {
  it("validates every path parameter at once", () => {
    const req = request("{}", {}, { customerId: "bad id", subscriptionId: "" });
    const parsed = parseParams(req, {
      customerId: z.string().regex(/^\w+$/),
      subscriptionId: z.string().min(1),
    });
    expect(!parsed.ok && parsed.response.status).toBe(400);
  });

  it("requires a printable Idempotency-Key of 1-200 characters", () => {
    expect(readIdempotencyKey(request("{}", { "idempotency-key": "k-1" }))).toEqual({
      ok: true,
      value: "k-1",
    });
    expect(readIdempotencyKey(request("{}")).ok).toBe(false);
    expect(readIdempotencyKey(request("{}", { "idempotency-key": "x".repeat(201) })).ok).toBe(false);
  });

  it("hashes method, route and exact bytes", () => {
    const a = requestHash("POST", "/api/migrations", Buffer.from("{}"));
    expect(requestHash("post", "/api/migrations", Buffer.from("{}"))).toBe(a);
    expect(requestHash("POST", "/api/migrations", Buffer.from("{ }"))).not.toBe(a);
    expect(requestHash("POST", "/api/relationship-requests", Buffer.from("{}"))).not.toBe(a);
  });
});
