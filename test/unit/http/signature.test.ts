import { describe, expect, it } from "vitest";

import { signWebhook, verifyWebhookSignature } from "../../../shared/http/signature.js";

const secret = "a-development-secret-0001";
const now = new Date("2026-11-21T10:00:00Z");
const timestamp = Math.floor(now.getTime() / 1000);
const body = Buffer.from('{"partnerId":"p1"}');

function check(overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) {
  return verifyWebhookSignature({
    timestamp: String(timestamp),
    signature: signWebhook(secret, timestamp, body),
    rawBody: body,
    secrets: [secret],
    now,
    ...overrides,
  });
}

describe("webhook signatures", () => {
  it.each([
    ["a correct signature", {}, true],
    ["any of several secrets (rotation)", { secrets: ["another-secret-00000001", secret] }, true],
    ["a timestamp 299 s old", { now: new Date(now.getTime() + 299_000) }, true],
    [
      "upper-case hex",
      { signature: signWebhook(secret, timestamp, body).toUpperCase().replace("SHA256", "sha256") },
      true,
    ],
    ["no headers", { timestamp: null, signature: null }, false],
    ["a stale timestamp (replay)", { now: new Date(now.getTime() + 301_000) }, false],
    ["a timestamp from the future", { now: new Date(now.getTime() - 301_000) }, false],
    ["a non-numeric timestamp", { timestamp: "yesterday" }, false],
    ["a wrong secret", { secrets: ["not-the-right-secret-01"] }, false],
    ["a changed body", { rawBody: Buffer.from('{"partnerId":"p2"}') }, false],
    ["a malformed signature", { signature: "sha256=zz" }, false],
    [
      "another algorithm",
      { signature: signWebhook(secret, timestamp, body).replace("sha256", "sha1") },
      false,
    ],
    ["the signature of another timestamp", { signature: signWebhook(secret, timestamp + 1, body) }, false],
  ] as const)("%s → %s", (_name, overrides, ok) => {
    expect(check(overrides).ok).toBe(ok);
  });

  it("says why a request is refused", () => {
    const result = check({ secrets: ["not-the-right-secret-01"] });
    expect(result).toEqual({ ok: false, reason: "X-Signature does not match the body" });
  });
});
