import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";

import { buildOpenApiDocument } from "../../../shared/http/openapi.js";
import { ROUTES } from "../../../shared/http/routes.js";

interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { operationId: string; requestBody?: unknown; security: Record<string, string[]>[] }>
  >;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

const doc = buildOpenApiDocument() as unknown as Doc;

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, found));
  else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") found.push(child);
      else refsIn(child, found);
    }
  }
  return found;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with every route of the route table", () => {
    expect(doc.openapi).toBe("3.1.0");
    for (const spec of Object.values(ROUTES)) {
      const operation = doc.paths[`/${spec.route}`]?.[spec.method.toLowerCase()];
      expect(operation?.operationId, `${spec.method} ${spec.route}`).toBe(spec.name);
      expect(operation?.requestBody !== undefined).toBe("body" in spec);
    }
  });

  it("documents how a line item was carried out: its execution, and the order it made", () => {
    const lineItem = JSON.stringify(doc.components.schemas.LineItem);
    for (const part of ["LineItemExecution", "LineItemOrder"]) expect(lineItem).toContain(part);
    expect(doc.components.schemas.LineItemExecution).toMatchObject({
      enum: [
        "recorded",
        "ordering",
        "ordered",
        "order-failed",
        "transferring",
        "transferred",
        "transfer-failed",
      ],
    });
  });

  it("resolves every $ref to a component schema", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).toHaveProperty(ref.replace("#/components/schemas/", ""));
    }
  });

  it("describes request bodies from the handlers' schemas", () => {
    const body = doc.components.schemas.MigrationRequestBody as {
      required: string[];
      additionalProperties: boolean;
    };
    expect(body.required).toEqual(["partnerId", "customerId", "actor", "items"]);
    expect(body.additionalProperties).toBe(false);
  });

  it("declares each route's callers as its security, from the route table", () => {
    const scheme = {
      operator: "operatorKey",
      partner: "partnerKey",
      customer: "customerToken",
      "partner-center": "partnerCenterSignature",
    } as const;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "customerToken",
      "operatorKey",
      "partnerCenterSignature",
      "partnerKey",
    ]);
    for (const spec of Object.values(ROUTES)) {
      const operation = doc.paths[`/${spec.route}`]?.[spec.method.toLowerCase()];
      const expected = spec.callers === "public" ? [] : spec.callers.map((kind) => ({ [scheme[kind]]: [] }));
      expect(operation?.security, spec.name).toEqual(expected);
    }
  });

  it("passes Redocly's recommended rules with no error", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: "openapi.json",
      config,
    });
    const errors = problems.filter((found) => found.severity === "error");
    expect(errors.map((found) => `${found.ruleId}: ${found.message}`)).toEqual([]);
  });
});
