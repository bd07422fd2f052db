/** When a message whose Partner Center call was throttled or failed is delivered again, and when it is given up. */
import { describe, expect, it } from "vitest";

import {
  nextRedelivery,
  redeliveryDelaySeconds,
  type RedeliveryBudget,
} from "../../shared/domain/redelivery.js";

const budget: RedeliveryBudget = { firstSeconds: 30, maxSeconds: 900, attempts: 12, windowSeconds: 21_600 };
const NOW = new Date("2027-01-02T02:00:00.000Z");

describe("redeliveryDelaySeconds", () => {
  it.each([
    ["429 with Retry-After: as Partner Center asks", 2, 7, 7],
    ["Retry-After on a later attempt: still as asked, no back-off", 9, 7, 7],
    ["Retry-After beyond the back-off's cap: still as asked", 2, 1_800, 1_800],
  ] as const)("%s", (_case, attempt, retryAfter, seconds) => {
    expect(redeliveryDelaySeconds(attempt, retryAfter, budget, 0.5)).toBe(seconds);
  });

  it.each([
    ["second delivery: the first back-off", 2, 30],
    ["third: doubled", 3, 60],
    ["sixth: 480 s", 6, 480],
    ["seventh: capped at the maximum", 7, 900],
    ["far on: still the maximum", 60, 900],
  ] as const)("5xx or a time-out, %s, with jitter taking at most half off", (_case, attempt, backoff) => {
    expect(redeliveryDelaySeconds(attempt, undefined, budget, 0)).toBe(backoff / 2);
    expect(redeliveryDelaySeconds(attempt, undefined, budget, 0.5)).toBe((backoff * 3) / 4);
    expect(redeliveryDelaySeconds(attempt, undefined, budget, 0.999_999)).toBeCloseTo(backoff, 3);
  });
});

describe("nextRedelivery", () => {
  const failed = (attempt: number, firstFailedAt: Date, retryAfterSeconds?: number) => ({
    attempt,
    firstFailedAt,
    now: NOW,
    retryAfterSeconds,
    jitter: 0.5,
  });

  it("a first failure: the second delivery, at now + the delay", () => {
    expect(nextRedelivery(failed(1, NOW, 1), budget)).toEqual({
      kind: "later",
      attempt: 2,
      delaySeconds: 1,
      at: new Date(NOW.getTime() + 1_000),
    });
  });

  it("the budget's last delivery is still scheduled; the one after is given up", () => {
    expect(nextRedelivery(failed(11, NOW, 1), budget)).toMatchObject({ kind: "later", attempt: 12 });
    const firstFailedAt = new Date(NOW.getTime() - 600_000);
    expect(nextRedelivery(failed(12, firstFailedAt, 1), budget)).toEqual({
      kind: "exhausted",
      attempts: 12,
      sinceSeconds: 600,
    });
  });

  it("a delivery that would fall past the window is given up, whatever the attempts left", () => {
    const firstFailedAt = new Date(NOW.getTime() - 21_000_000);
    expect(nextRedelivery(failed(3, firstFailedAt, 500), budget)).toMatchObject({ kind: "later" });
    expect(nextRedelivery(failed(3, firstFailedAt, 700), budget)).toMatchObject({
      kind: "exhausted",
      attempts: 3,
    });
  });

  it("one attempt in all: the first failure is given up", () => {
    expect(nextRedelivery(failed(1, NOW), { ...budget, attempts: 1 })).toMatchObject({ kind: "exhausted" });
  });
});
