/** The traceparent the host gives each invocation: the caller's trace when it sent one, new ids each time. */
import { describe, expect, it } from "vitest";

import { traceParentFor } from "../../local/host/traceParent.js";

const VALID = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function parts(traceParent: string): { traceId: string; spanId: string } {
  const match = VALID.exec(traceParent);
  if (match === null) throw new Error(`not a traceparent: ${traceParent}`);
  return { traceId: match[1] ?? "", spanId: match[2] ?? "" };
}

describe("traceParentFor", () => {
  it("continues the caller's trace in a span of its own", () => {
    const incoming = `00-${"ab".repeat(16)}-${"cd".repeat(8)}-01`;
    const { traceId, spanId } = parts(traceParentFor(incoming));
    expect(traceId).toBe("ab".repeat(16));
    expect(spanId).not.toBe("cd".repeat(8));
  });

  it("starts a new trace for no or a malformed traceparent", () => {
    expect(parts(traceParentFor(undefined)).traceId).not.toBe(parts(traceParentFor(undefined)).traceId);
    expect(parts(traceParentFor("00-xyz-01")).traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("never hands out the same id twice, across refills of its random pool", () => {
    const seen = new Set<string>();
    for (let index = 0; index < 1_000; index += 1) {
      const { traceId, spanId } = parts(traceParentFor(undefined));
      seen.add(traceId).add(spanId);
    }
    expect(seen.size).toBe(2_000);
  });
});
