import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import {
  TopologyError,
  loadTopology,
  parseIsoDuration,
  parseTopology,
  queueSettings,
} from "../../local/servicebus/topology.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { testQueue } from "./support.js";

describe("ISO 8601 durations", () => {
  it.each([
    ["PT1M", 60_000],
    ["PT10M", 600_000],
    ["P14D", 14 * 86_400_000],
    ["P1W", 7 * 86_400_000],
    ["PT1.5S", 1_500],
    ["P1DT2H3M4S", 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_000],
  ])("reads %s", (text, milliseconds) => {
    expect(parseIsoDuration(text)).toBe(milliseconds);
  });

  it.each(["", "P", "PT", "P1DT", "1M", "PT1H1D", "P1Y", "P1M", "PT-1S", "pt1m"])("refuses %j", (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});

describe("topology", () => {
  it("loads the project's file: the queues the app uses", () => {
    const topology = loadTopology();
    expect(topology.queues.map((queue) => queue.name).sort()).toEqual(Object.values(QUEUES).sort());
    expect(Object.values(QUEUES)).toEqual(expect.arrayContaining(["customer-sweeps", "bulk-migrations"]));
    const settings = queueSettings(topology.queues[0]!);
    expect(settings).toMatchObject({
      lockDurationMs: 60_000,
      maxDeliveryCount: 10,
      duplicateDetectionWindowMs: 600_000,
      defaultTimeToLiveMs: 14 * 86_400_000,
      deadLetteringOnMessageExpiration: true,
    });
  });

  it("leaves duplicate detection off when the queue does not require it", () => {
    expect(queueSettings(testQueue("q")).duplicateDetectionWindowMs).toBeUndefined();
  });

  it("names every problem, with its path", () => {
    const bad = {
      queues: [
        { ...testQueue("orders"), lockDuration: "PT10M", maxDeliveryCount: 0 },
        { ...testQueue("Orders"), defaultMessageTimeToLive: "14 days" },
        { ...testQueue("-bad-") },
      ],
    };
    try {
      parseTopology(bad, "test");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TopologyError);
      const message = (error as TopologyError).message;
      expect(message).toContain("queues.0.lockDuration");
      expect(message).toContain("queues.0.maxDeliveryCount");
      expect(message).toContain("queues.1.defaultMessageTimeToLive");
      expect(message).toContain("duplicate queue name 'Orders'");
      expect(message).toContain("queues.2.name");
    }
  });

  it("refuses unknown fields and an empty queue list", () => {
    expect(() => parseTopology({ queues: [{ ...testQueue("q"), sessions: true }] })).toThrow(/sessions/);
    expect(() => parseTopology({ queues: [] })).toThrow(TopologyError);
  });

  it("reports a file that is not JSON, naming the file", () => {
    const path = join(mkdtempSync(join(tmpdir(), "sb-topology-")), "broken.json");
    writeFileSync(path, "{ not json");
    expect(() => loadTopology(path)).toThrow(path);
  });
});
