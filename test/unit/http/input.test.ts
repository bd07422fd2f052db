import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { idSchema } from "../../../shared/domain/model.js";
import { migrationRequestBodySchema } from "../../../shared/domain/requests.js";
import { parseBody, parseParams, parseQuery, readIdempotencyKey } from "../../../shared/http/input.js";
import type { FieldError } from "../../../shared/http/problem.js";

function request(
  body: string | Buffer,
  headers: Record<string, string> = {},
  params: Record<string, string> = {},
  url = "http://localhost/api/migrations",
): HttpRequest {
  return new HttpRequest({
    method: "POST",
    url,
    body: { bytes: Buffer.from(body) },
    headers: { "content-type": "application/json", "idempotency-key": "key-1", ...headers },
    params,
  });
}

describe("reading a request's parts", () => {
  it("reads a valid body and the Idempotency-Key", () => {
    const raw = Buffer.from(
      JSON.stringify({
        partnerId: "p1",
        customerId: "c1",
        actor: { userId: "u1", role: "sales-agent" },
        items: [{ subscriptionId: "s1", cancelOriginal: "at-term-end" }],
      }),
    );
    const errors: FieldError[] = [];
    const read = parseBody(request(raw), raw, migrationRequestBodySchema, errors);
    expect(errors).toEqual([]);
    expect(read.ok && (read.value as { items: { subscriptionId: string }[] }).items[0]?.subscriptionId).toBe(
      "s1",
    );
    expect(readIdempotencyKey(request(raw), errors)).toBe("key-1");
  });

  it("lists every problem at once: body at any depth, path and header", () => {
    const raw = Buffer.from(
      JSON.stringify({
        partnerId: "",
        actor: { role: 5, extra: true },
        items: [{ subscriptionId: "s1", surprise: 1 }],
        extra: 1,
      }),
    );
    const req = request(raw, { "idempotency-key": "" }, { id: "bad id" });
    const errors: FieldError[] = [];
    parseParams(req, { id: idSchema }, errors);
    readIdempotencyKey(req, errors);
    parseBody(req, raw, migrationRequestBodySchema, errors);
    expect(errors.map((error) => error.path)).toEqual(
      expect.arrayContaining([
        "/partnerId",
        "/customerId",
        "/actor/userId",
        "/actor/role",
        "/actor",
        "/items/0/cancelOriginal",
        "/items/0",
        "",
        "/params/id",
        "/headers/idempotency-key",
      ]),
    );
  });

  it("refuses malformed JSON and bytes that are not UTF-8, and names a wrong content type", () => {
    const errors: FieldError[] = [];
    parseBody(request("{"), Buffer.from("{"), z.object({}), errors);
    const notUtf8 = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]);
    parseBody(request(notUtf8), notUtf8, z.object({}), errors);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/not valid JSON/),
      "The body is not valid UTF-8",
    ]);
    const wrongType = parseBody(
      request("{}", { "content-type": "text/plain" }),
      Buffer.from("{}"),
      z.object({}),
      [],
    );
    expect(wrongType).toEqual({ ok: false, unsupportedMediaType: "text/plain" });
  });

  it("reads an empty body as {} and refuses a body where the route takes none", () => {
    const errors: FieldError[] = [];
    expect(
      parseBody(request(""), Buffer.alloc(0), z.strictObject({ reason: z.string().optional() }), errors),
    ).toEqual({
      ok: true,
      value: {},
    });
    parseBody(request("{}"), Buffer.from("{}"), undefined, errors);
    expect(errors).toEqual([{ path: "", message: "This route takes no body" }]);
  });

  it("requires a printable Idempotency-Key of 1-200 characters", () => {
    const errors: FieldError[] = [];
    readIdempotencyKey(request("", { "idempotency-key": "x".repeat(201) }), errors);
    readIdempotencyKey(request("", { "idempotency-key": "tab\there" }), errors);
    expect(errors).toHaveLength(2);
  });

  it("names unknown and repeated query parameters", () => {
    const errors: FieldError[] = [];
    const req = request("", {}, {}, "http://localhost/api/admin/sweep?dryRun=true&dryRun=false&since=now");
    parseQuery(req, { dryRun: z.enum(["true", "false"]) }, errors);
    expect(errors.map((error) => error.path).sort()).toEqual(["/query/dryRun", "/query/since"]);
  });
});
