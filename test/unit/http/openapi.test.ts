import { describe, expect, it } from "vitest";

import { buildOpenApiDocument } from "../../../shared/http/openapi.js";
import { ROUTES } from "../../../shared/http/routes.js";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
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
});
