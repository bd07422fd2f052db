/**
 * Bad input, generated: random bodies, wrong types, huge strings, unknown fields at any depth,
 * control characters, years out of range, bytes that are not UTF-8, wrong signatures, stale
 * timestamps. Every answer is a 4xx problem document, never a 5xx, and nothing is written.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { postAcceptance } from "../../../functions/postAcceptance.js";
import { postDeclination } from "../../../functions/postDeclination.js";
import { postMigration } from "../../../functions/postMigration.js";
import { postRelationshipRequest } from "../../../functions/postRelationshipRequest.js";
import { putCustomer } from "../../../functions/putCustomer.js";
import { putOffer } from "../../../functions/putOffer.js";
import { putPartner } from "../../../functions/putPartner.js";
import { putSubscription } from "../../../functions/putSubscription.js";
import { TABLE_NAMES } from "../../../shared/storage/tableNames.js";
import { asCustomer, asOperator, asPartner, type As } from "../../setup/callers.js";
import { call, usePipelineHttp, type CallOptions } from "./support.js";

const http = usePipelineHttp(import.meta.url);

type Handler = Parameters<typeof call>[0];

interface Route {
  name: string;
  handler: Handler;
  method: "PUT" | "POST";
  path: string;
  params: Record<string, string>;
  valid: Record<string, unknown>;
  /** Who sends it (a caller the route takes, so only the input is wrong). */
  as: () => Promise<As>;
}

const operator = () => Promise.resolve(asOperator);
const partner = () => asPartner(http.store(), "p1");
const customer = () => asCustomer("c1");

const actor = { userId: "ann@contoso", role: "sales-agent" };
const ROUTES: Route[] = [
  {
    name: "PUT partner",
    handler: putPartner,
    method: "PUT",
    path: "/api/partners/p1",
    params: { partnerId: "p1" },
    valid: { name: "Contoso", region: "US", cloud: "public", kind: "direct" },
    as: operator,
  },
  {
    name: "PUT customer",
    handler: putCustomer,
    method: "PUT",
    path: "/api/customers/c1",
    params: { customerId: "c1" },
    valid: { name: "Fabrikam", region: "US", cloud: "public", isCspPartner: false },
    as: operator,
  },
  {
    name: "PUT subscription",
    handler: putSubscription,
    method: "PUT",
    path: "/api/customers/c1/subscriptions/s1",
    params: { customerId: "c1", subscriptionId: "s1" },
    valid: {
      offerId: "o1",
      kind: "license",
      channel: "ea",
      seats: 5,
      termStart: "2026-01-01T00:00:00Z",
      termEnd: "2027-01-01T00:00:00Z",
      billingCycle: "annual",
      status: "active",
    },
    as: operator,
  },
  {
    name: "PUT offer",
    handler: putOffer,
    method: "PUT",
    path: "/api/offers/o1",
    params: { offerId: "o1" },
    valid: { name: "Office 365 E3", kind: "license", discontinued: false, equivalentOfferIds: [] },
    as: operator,
  },
  {
    name: "POST relationship request",
    handler: postRelationshipRequest,
    method: "POST",
    path: "/api/relationship-requests",
    params: {},
    valid: {
      partnerId: "p1",
      customerId: "c1",
      actor: { ...actor, role: "global-admin" },
      delegatedAdmin: false,
    },
    as: partner,
  },
  {
    name: "POST acceptance",
    handler: postAcceptance,
    method: "POST",
    path: "/api/relationships/r1/acceptance",
    params: { id: "r1" },
    valid: {},
    as: customer,
  },
  {
    name: "POST declination",
    handler: postDeclination,
    method: "POST",
    path: "/api/relationships/r1/declination",
    params: { id: "r1" },
    valid: { reason: "no" },
    as: customer,
  },
  {
    name: "POST migration",
    handler: postMigration,
    method: "POST",
    path: "/api/migrations",
    params: {},
    valid: {
      partnerId: "p1",
      customerId: "c1",
      actor,
      items: [{ subscriptionId: "s1", cancelOriginal: "keep" }],
    },
    as: partner,
  },
];

/** A value of another JSON type than the one given, so the field is surely wrong. */
function wrongTypeFor(value: unknown): fc.Arbitrary<unknown> {
  const others: fc.Arbitrary<unknown>[] = [];
  if (typeof value !== "string") others.push(fc.string());
  if (typeof value !== "number") others.push(fc.double());
  if (typeof value !== "boolean") others.push(fc.boolean());
  if (!Array.isArray(value)) others.push(fc.array(fc.integer(), { maxLength: 3 }));
  if (value === null || typeof value !== "object" || Array.isArray(value))
    others.push(fc.object({ maxDepth: 1 }));
  others.push(fc.constant(null));
  return fc.oneof(...others);
}

/** Requests that must all be refused: each arbitrary yields the options of one call. */
function badRequests(route: Route): fc.Arbitrary<CallOptions> {
  const key = route.method === "POST" ? { key: "fuzz" } : {};
  // A body of only optional fields: the unknown one is the mistake.
  const fields = Object.keys(route.valid).length > 0 ? Object.keys(route.valid) : ["nothing"];
  const randomBody = fc.jsonValue().map((body) => ({ ...key, body }));
  const wrongType = fc
    .constantFrom(...fields)
    .chain((field) =>
      wrongTypeFor(route.valid[field]).map((value) => ({ ...key, body: { ...route.valid, [field]: value } })),
    );
  const missingField = fc.constantFrom(...fields).map((field) => {
    const { [field]: _dropped, ...rest } = route.valid;
    // A field the schema allows to be absent is no mistake: add an unknown one instead (strict bodies).
    return { ...key, body: { ...rest, [`unexpected_${field}`]: 1 } };
  });
  const hugeString = fc
    .constantFrom(...fields)
    .map((field) => ({ ...key, body: { ...route.valid, [field]: "x".repeat(300_000) } }));
  const notJson = fc.string().map((raw) => ({ ...key, raw: `{${raw}` }));
  const wrongSignature = fc.constant({
    ...key,
    body: route.valid,
    headers: { "x-signature": `sha256=${"0".repeat(64)}` },
  });
  const unsigned = fc.constant({ ...key, body: route.valid, as: "nobody" as const });
  const unknownNested = fc
    .constantFrom(...fields)
    .map((field) => ({ ...key, body: { ...route.valid, [field]: deepUnknown(route.valid[field]) } }));
  const controlCharacters = fc
    .constantFrom("\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085")
    .chain((bad) =>
      fc.constantFrom(...fields).map((field) => ({
        ...key,
        body: { ...route.valid, [field]: withControl(route.valid[field], bad) },
      })),
    );
  const notUtf8 = fc.constant({
    ...key,
    rawBytes: Buffer.concat([
      Buffer.from(JSON.stringify(route.valid).slice(0, -1)),
      Buffer.from([0xc3, 0x28]),
      Buffer.from("}"),
    ]),
  });
  const stale = fc
    .integer({ min: 301, max: 10 * 86_400 })
    .chain((seconds) =>
      fc
        .constantFrom(-1, 1)
        .map((sign) => ({ ...key, body: route.valid, now: new Date(Date.now() + sign * seconds * 1000) })),
    );
  const badKey =
    route.method === "POST"
      ? [
          fc
            .constantFrom("", "x".repeat(201), "tab\there")
            .map((value) => ({ body: route.valid, key: value })),
        ]
      : [];
  const badPath = Object.keys(route.params).length
    ? [
        fc
          .constantFrom("", "has space", "../up", "x".repeat(129))
          .map((value) => ({ ...key, body: route.valid, badParam: value })),
      ]
    : [];
  return fc.oneof(
    randomBody,
    wrongType,
    missingField,
    hugeString,
    notJson,
    wrongSignature,
    unsigned,
    unknownNested,
    controlCharacters,
    notUtf8,
    stale,
    ...badKey,
    ...badPath,
  );
}

/** The value with an unknown field added at its deepest object (or as an object when it is none). */
function deepUnknown(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value as unknown[];
    return items.length === 0 ? [{ unexpected: 1 }] : [deepUnknown(items[0]), ...items.slice(1)];
  }
  if (value !== null && typeof value === "object") return { ...value, unexpected: 1 };
  return { unexpected: value ?? 1 };
}

/** The value with a control character inside every string of it; a non-string becomes one. */
function withControl(value: unknown, bad: string): unknown {
  if (typeof value === "string") return `${value}${bad}x`;
  if (Array.isArray(value)) return value.length === 0 ? [bad] : value.map((item) => withControl(item, bad));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, withControl(item, bad)]));
  return bad;
}

async function everyRowCount(): Promise<number> {
  let count = 0;
  for (const name of TABLE_NAMES) {
    const client = await http.store().table(name);
    for await (const _row of client.listEntities()) count += 1;
  }
  return count;
}

describe("bad input on every POST and PUT", () => {
  it.each(ROUTES)("$name: always a 4xx problem, never a 5xx, nothing written", async (route) => {
    const as = await route.as();
    const before = await everyRowCount();
    await fc.assert(
      fc.asyncProperty(badRequests(route), async (options) => {
        const { badParam, ...callOptions } = options as CallOptions & { badParam?: string };
        const params =
          badParam === undefined
            ? route.params
            : Object.fromEntries(Object.keys(route.params).map((name) => [name, badParam]));
        const answer = await call(route.handler, route.method, route.path, { as, ...callOptions, params });
        expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
        expect(answer.status, answer.text).toBeLessThan(500);
        expect(answer.headers["content-type"]).toBe("application/problem+json");
        const problem = answer.body as { status: unknown; type: unknown; title: unknown };
        expect(problem.status).toBe(answer.status);
        expect([typeof problem.type, typeof problem.title]).toEqual(["string", "string"]);
      }),
      { numRuns: 60 },
    );
    expect(await everyRowCount()).toBe(before);
  });
});
