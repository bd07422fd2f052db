/** When a customer's sweep that Partner Center throttled or failed is delivered again. */
import { describe, expect, it } from "vitest";

import { sweepRetryDelaySeconds } from "../../shared/pipeline/sweepRetry.js";

describe("sweepRetryDelaySeconds", () => {
  it.each([
    ["429 with Retry-After: as Partner Center asks", 2, 7, 7],
    ["Retry-After on a later attempt: still as asked", 5, 7, 7],
    ["a Retry-After beyond an hour: an hour", 2, 86_400, 3_600],
    ["5xx or a time-out, second delivery: 30 s", 2, undefined, 30],
    ["third: 60 s", 3, undefined, 60],
    ["sixth: 480 s", 6, undefined, 480],
    ["far on: at most an hour", 20, undefined, 3_600],
  ] as const)("%s", (_case, attempt, retryAfter, seconds) => {
    expect(sweepRetryDelaySeconds(attempt, retryAfter)).toBe(seconds);
  });
});
