import { availableParallelism } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseTimeSpanMs } from "../../local/host/durations.js";
import { HostJsonError, parseHostJson, readHostJson } from "../../local/host/hostJson.js";

describe("TimeSpan durations", () => {
  it.each([
    ["00:05:00", 300_000],
    ["00:00:00.80", 800],
    ["00:01:00", 60_000],
    ["1.02:03:04", ((26 * 60 + 3) * 60 + 4) * 1000],
    ["10:00", 36_000_000],
    ["00:00:01.5000000", 1500],
  ])("%s is %d ms", (text, ms) => {
    expect(parseTimeSpanMs(text)).toBe(ms);
  });

  it.each(["5m", "25:00:00", "00:61:00", "", "1:2:3:4"])("'%s' is not a TimeSpan", (text) => {
    expect(parseTimeSpanMs(text)).toBeUndefined();
  });
});

describe("host.json", () => {
  it("uses the host's defaults for what is absent", () => {
    expect(parseHostJson({ version: "2.0" })).toEqual({
      routePrefix: "api",
      serviceBus: {
        maxConcurrentCalls: 16 * availableParallelism(),
        autoCompleteMessages: true,
        maxAutoLockRenewalDurationMs: 300_000,
        prefetchCount: 0,
        clientRetryOptions: {
          mode: "exponential",
          tryTimeoutMs: 60_000,
          delayMs: 800,
          maxDelayMs: 60_000,
          maxRetries: 3,
        },
      },
    });
  });

  it("reads the project's host.json", async () => {
    const config = await readHostJson(path.join(import.meta.dirname, "../../host.json"), {});
    expect(config).toEqual({
      routePrefix: "api",
      serviceBus: {
        maxConcurrentCalls: 16,
        autoCompleteMessages: true,
        maxAutoLockRenewalDurationMs: 300_000,
        prefetchCount: 0,
        clientRetryOptions: {
          mode: "exponential",
          tryTimeoutMs: 60_000,
          delayMs: 800,
          maxDelayMs: 60_000,
          maxRetries: 3,
        },
      },
    });
  });

  it("lets AzureFunctionsJobHost__ settings override the file, matching keys case-insensitively", () => {
    const config = parseHostJson(
      { version: "2.0", extensions: { http: { routePrefix: "api" } } },
      {
        AzureFunctionsJobHost__Extensions__Http__RoutePrefix: "",
        AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: "2",
        AzureFunctionsJobHost__extensions__serviceBus__autoCompleteMessages: "false",
      },
    );
    expect(config.routePrefix).toBe("");
    expect(config.serviceBus.maxConcurrentCalls).toBe(2);
    expect(config.serviceBus.autoCompleteMessages).toBe(false);
  });

  it("names every invalid value", () => {
    const read = (): unknown =>
      parseHostJson({
        version: "1.0",
        extensions: {
          serviceBus: { maxConcurrentCalls: 0, maxAutoLockRenewalDuration: "5 minutes" },
        },
      });
    expect(read).toThrow(HostJsonError);
    expect(read).toThrow(/version: must be "2.0"/);
    expect(read).toThrow(/extensions\.serviceBus\.maxConcurrentCalls/);
    expect(read).toThrow(/extensions\.serviceBus\.maxAutoLockRenewalDuration: "5 minutes" is not a TimeSpan/);
  });

  it("says which file is missing", async () => {
    await expect(readHostJson("/nonexistent/host.json", {})).rejects.toThrow(/\/nonexistent\/host\.json/);
  });
});
