import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, retrySchedule } from "../../../shared/events/retries.js";

const README = readFileSync(path.resolve(import.meta.dirname, "../../../README.md"), "utf8");

/** A wait as the README writes it: two significant digits, in minutes under an hour, else hours. */
function spoken(ms: number): string {
  const minutes = ms / 60_000;
  return minutes < 60
    ? `${Number(minutes.toPrecision(2))} min`
    : `${Number((minutes / 60).toPrecision(2))} h`;
}

describe("the delivery retry schedule", () => {
  it("is 10 attempts, each wait twice the last, nothing after the 10th", () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(10);
    expect(retrySchedule(1)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256].map((s) => s * 1000));
    expect(retryDelayMs(9, 1)).toBe(256_000);
    expect(retryDelayMs(10, 1)).toBeUndefined();
  });

  it("is the README's, from the default base, about a day in all", () => {
    // WEBHOOK_RETRY_BASE_SECONDS's default (test/unit/config.test.ts).
    const base = 170;
    const waits = retrySchedule(base);
    const total = waits.reduce((sum, wait) => sum + wait, 0);
    expect(total / 3_600_000).toBeCloseTo(24, 0);
    expect(README).toContain(`(${base}) × 2^(n-1): ${waits.map(spoken).join(", ")} — about 24 h in all.`);
  });
});
