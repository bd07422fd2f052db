/**
 * One trace per request: a signed relationship request posted to the local host (the app's real
 * registrations, index.ts's hooks included), sent through the Service Bus emulator and decided by
 * the queue processor, leaves one trace — the HTTP invocation, the send, the processor and its table
 * calls — in an in-memory exporter, each span carrying the request's ids.
 */
import { randomBytes } from "node:crypto";

import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { traceAzureSdk } from "../../shared/telemetry/start.js";
import { blankCustomerState, commit, put, putPartner } from "../../shared/storage/index.js";
import { useDrillHost } from "../drills/support.js";
import { proofHeaders } from "../pipeline/http/support.js";
import { asPartner } from "../setup/callers.js";
import { aCustomer, aPartner } from "../setup/records.js";
import { uniqueId } from "../setup/tables.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

const drill = useDrillHost(import.meta.url, {
  functions: ["index", "postRelationshipRequest", "processRelationshipMessage"],
});

beforeAll(async () => {
  await traceAzureSdk();
});
afterAll(async () => {
  await provider.shutdown();
});

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe("tracing", () => {
  it("follows one webhook from the HTTP request through the queue into the processor and its table calls", async () => {
    const store = drill.store();
    const partnerId = uniqueId("partner");
    const customerId = uniqueId("customer");
    await putPartner(store, aPartner(partnerId));
    await commit(store, blankCustomerState(customerId), [put.customer(aCustomer(customerId))]);
    const caller = await asPartner(store, partnerId);
    exporter.reset();

    const traceId = randomBytes(16).toString("hex");
    const body = Buffer.from(
      JSON.stringify({
        partnerId,
        customerId,
        actor: { userId: "ann@contoso", role: "global-admin" },
        delegatedAdmin: true,
      }),
    );
    const key = uniqueId("idem");
    const response = await fetch(new URL("relationship-requests", drill.baseUrl()), {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "idempotency-key": key,
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
        ...proofHeaders(caller, {
          method: "POST",
          pathAndQuery: "/api/relationship-requests",
          idempotencyKey: key,
          body,
        }),
      },
    });
    expect(response.status).toBe(202);
    const { id: relationshipId } = (await response.json()) as { id: string };
    await drill.invocations.until(
      () => drill.invocations.count("processRelationshipMessage") >= 1,
      "the processor",
    );

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => {
      const found = spans.filter((span) => span.name === name);
      expect(found, name).toHaveLength(1);
      return found[0] as ReadableSpan;
    };
    const intake = named("postRelationshipRequest");
    const send = named("send relationship-requests");
    const processor = named("processRelationshipMessage");
    expect([intake.kind, send.kind, processor.kind]).toEqual([
      SpanKind.SERVER,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
    ]);
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(new Set([traceId]));
    expect(parentOf(send)).toBe(intake.spanContext().spanId);
    expect(parentOf(processor)).toBe(send.spanContext().spanId);

    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const under = (span: ReadableSpan, ancestor: ReadableSpan): boolean => {
      const parent = byId.get(parentOf(span) ?? "");
      return parent !== undefined && (parent === ancestor || under(parent, ancestor));
    };
    const tableCalls = spans.filter((span) => span.name.startsWith("TableClient.") && under(span, processor));
    expect(tableCalls.length).toBeGreaterThan(0);

    const ids = { requestId: relationshipId, partnerId, customerId, relationshipId };
    expect(intake.attributes).toMatchObject(ids);
    expect(processor.attributes).toMatchObject(ids);
  });
});
