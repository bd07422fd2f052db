import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import {
  LINE_ITEM_STATUSES,
  MIGRATION_STATUSES,
  RELATIONSHIP_STATUSES,
} from "../../../shared/domain/model.js";
import {
  EVENT_TYPES,
  eventEnvelopeSchema,
  eventIdFor,
  eventTypeFor,
} from "../../../shared/events/catalogue.js";
import { signEvent, verifyEventSignature } from "../../../shared/events/signature.js";
import { buildOpenApiDocument } from "../../../shared/http/openapi.js";

const README = readFileSync(path.resolve(import.meta.dirname, "../../../README.md"), "utf8");

// The worked example of the README's "Events" section, byte for byte.
const EXAMPLE = {
  secret: "whsec-local-example-secret-of-32-chars",
  timestamp: 1795000000,
  body: '{"id":"evt_4d1c8e0f2b7a9c3e5f60718293a4b5c6","type":"migration-completed","occurredAt":"2026-11-20T02:00:00.000Z","partnerId":"contoso-csp","customerId":"fabrikam","resource":{"kind":"migration","id":"mig-1","status":"completed","href":"/api/migrations/mig-1"},"sequence":3,"data":{"from":"awaiting-term-end","rules":["MIG-7"]}}',
  signature: "sha256=47e9a743e06cd1ce25369d95379db20777109ee348b14ee7784ec98e627f16db",
};

describe("the event catalogue", () => {
  it.each([
    ["relationship", "pending", "relationship-invitation-sent"],
    ["relationship", "active", "relationship-accepted"],
    ["relationship", "declined", "relationship-declined"],
    ["relationship", "expired", "relationship-expired"],
    ["migration", "rejected", "migration-rejected"],
    ["migration", "awaiting-term-end", "migration-awaiting-term-end"],
    ["migration", "completed", "migration-completed"],
    ["migration", "failed", "migration-failed"],
    ["line-item", "provisioned", "line-item-provisioned"],
    ["line-item", "original-expired", "line-item-original-expired"],
  ] as const)("names %s entering %s %s", (kind, status, type) => {
    expect(eventTypeFor(kind, status)).toBe(type);
    expect(EVENT_TYPES.map((entry) => entry.type)).toContain(type);
  });

  it.each([
    ["pending", "pending", "relationship-invitation-made"],
    ["submitted", "pending", "relationship-invitation-sent"],
    ["pending", "rejected", "relationship-rejected"],
    [null, "submitted", "relationship-requested"],
  ] as const)("names a relationship's step %s → %s %s", (from, to, type) => {
    expect(eventTypeFor("relationship", to, from)).toBe(type);
    expect(EVENT_TYPES.map((entry) => entry.type)).toContain(type);
  });

  it("has one type per status of every lifecycle, the invitation made, and test, all distinct", () => {
    const types = EVENT_TYPES.map((entry) => entry.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toHaveLength(
      RELATIONSHIP_STATUSES.length + MIGRATION_STATUSES.length + LINE_ITEM_STATUSES.length + 2,
    );
  });

  it("derives the same id for the same resource and sequence, another for the next", () => {
    const first = eventIdFor("fabrikam", "migration", "mig-1", 1);
    expect(eventIdFor("fabrikam", "migration", "mig-1", 1)).toBe(first);
    expect(eventIdFor("fabrikam", "migration", "mig-1", 2)).not.toBe(first);
    expect(eventIdFor("contoso", "migration", "mig-1", 1)).not.toBe(first);
    expect(first).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it("accepts the README's example envelope and refuses unknown fields", () => {
    const event: unknown = JSON.parse(EXAMPLE.body);
    expect(eventEnvelopeSchema.safeParse(event).success).toBe(true);
    expect(eventEnvelopeSchema.safeParse({ ...(event as object), extra: 1 }).success).toBe(false);
    expect(eventEnvelopeSchema.safeParse({ ...(event as object), type: "migration-moved" }).success).toBe(
      false,
    );
  });

  it("is the OpenAPI document's webhooks section, one per type", () => {
    const doc = buildOpenApiDocument() as { webhooks: Record<string, unknown> };
    expect(Object.keys(doc.webhooks).sort()).toEqual(EVENT_TYPES.map((entry) => entry.type).sort());
  });
});

describe("the delivery signature", () => {
  it("matches the README's worked example", () => {
    expect(signEvent(EXAMPLE.secret, EXAMPLE.timestamp, EXAMPLE.body)).toBe(EXAMPLE.signature);
    for (const value of [EXAMPLE.secret, String(EXAMPLE.timestamp), EXAMPLE.signature]) {
      expect(README).toContain(value);
    }
    expect(README).toContain(EXAMPLE.body);
  });

  const now = new Date(EXAMPLE.timestamp * 1000 + 10_000);
  const headers = { timestamp: String(EXAMPLE.timestamp), signature: EXAMPLE.signature };
  it.each([
    ["the example as sent", EXAMPLE.secret, headers, EXAMPLE.body, now, true],
    ["another body", EXAMPLE.secret, headers, EXAMPLE.body.replace("mig-1", "mig-2"), now, false],
    ["another secret", `${EXAMPLE.secret}x`, headers, EXAMPLE.body, now, false],
    ["another timestamp", EXAMPLE.secret, { ...headers, timestamp: "1795000001" }, EXAMPLE.body, now, false],
    [
      "an old timestamp",
      EXAMPLE.secret,
      headers,
      EXAMPLE.body,
      new Date(EXAMPLE.timestamp * 1000 + 600_000),
      false,
    ],
  ] as const)("verifies %s: %s", (_what, secret, given, body, at, valid) => {
    expect(verifyEventSignature(secret, given, body, at)).toBe(valid);
  });
});
