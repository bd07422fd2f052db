import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { idSchema } from "../../../shared/domain/model.js";
import { migrationRequestBodySchema } from "../../../shared/domain/requests.js";
import { readParams, readWebhook } from "../../../shared/http/input.js";
import { signedHeaders } from "../../../shared/http/signature.js";

const secret = "a-development-secret-0001";
const now = new Date();

function request(
  body: string,
  headers: Record<string, string> = {},
  params: Record<string, string> = {},
): HttpRequest {
  return new HttpRequest({
    method: "POST",
    url: "http://localhost/api/migrations",
    body: { string: body },
    headers: {
      "content-type": "application/json",
      "idempotency-key": "key-1",
      ...signedHeaders(secret, body),
      ...headers,
    },
    params,
  });
}

const spec = { secrets: [secret], now, body: migrationRequestBodySchema, params: {}, idempotent: true };

function problemOf(response: { body?: unknown }): { errors?: { path: string }[]; status: number } {
  return JSON.parse(String(response.body)) as { errors?: { path: string }[]; status: number };
}

describe("reading a signed webhook", () => {
  it("accepts a signed, valid body", async () => {
    const body = JSON.stringify({
      partnerId: "p1",
      customerId: "c1",
      actor: { userId: "u1", role: "sales-agent" },
      items: [{ subscriptionId: "s1", cancelOriginal: "at-term-end" }],
    });
    const read = await readWebhook(request(body), spec);
    expect(read.ok && read.value.body.items[0]?.subscriptionId).toBe("s1");
    expect(read.ok && read.value.idempotencyKey).toBe("key-1");
  });

  it("refuses an unsigned body with 401 before parsing it", async () => {
    const req = new HttpRequest({
      method: "POST",
      url: "http://localhost/api/x",
      body: { string: "not json" },
    });
    const read = await readWebhook(req, spec);
    expect(!read.ok && read.response.status).toBe(401);
    expect(!read.ok && read.response.headers).toMatchObject({ "content-type": "application/problem+json" });
  });

  it("refuses a body over the size limit with 413", async () => {
    const read = await readWebhook(request("x".repeat(300 * 1024)), spec);
    expect(!read.ok && read.response.status).toBe(413);
  });

  it("lists every problem at once: body, path and header", async () => {
    const body = JSON.stringify({
      partnerId: "",
      actor: { role: 5 },
      items: [{ subscriptionId: "s1" }],
      extra: 1,
    });
    const read = await readWebhook(request(body, { "idempotency-key": "" }, { id: "bad id" }), {
      ...spec,
      params: { id: idSchema },
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const doc = problemOf(read.response);
    expect(doc.status).toBe(400);
    expect(doc.errors?.map((error) => error.path)).toEqual(
      expect.arrayContaining([
        "/partnerId",
        "/customerId",
        "/actor/userId",
        "/actor/role",
        "/items/0/cancelOriginal",
        "/params/id",
        "/headers/idempotency-key",
      ]),
    );
  });

  it("refuses malformed JSON with 400 and a wrong content type with 415", async () => {
    const bad = await readWebhook(request("{"), { ...spec, body: z.object({}) });
    expect(!bad.ok && bad.response.status).toBe(400);
    const wrongType = await readWebhook(request("{}", { "content-type": "text/plain" }), spec);
    expect(!wrongType.ok && wrongType.response.status).toBe(415);
  });

  it("requires a printable Idempotency-Key of 1-200 characters only where asked", async () => {
    const long = await readWebhook(request("{}", { "idempotency-key": "x".repeat(201) }), {
      ...spec,
      body: z.object({}),
    });
    expect(!long.ok && long.response.status).toBe(400);
    const notAsked = await readWebhook(request("{}", { "idempotency-key": "" }), {
      ...spec,
      body: z.object({}),
      idempotent: false,
    });
    expect(notAsked.ok).toBe(true);
  });
});

describe("reading path parameters", () => {
  it("validates every path parameter at once", () => {
    const read = readParams(request("{}", {}, { customerId: "bad id", subscriptionId: "" }), {
      customerId: idSchema,
      subscriptionId: idSchema,
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const paths = new Set(problemOf(read.response).errors?.map((error) => error.path));
    expect(paths).toEqual(new Set(["/params/customerId", "/params/subscriptionId"]));
  });
});
