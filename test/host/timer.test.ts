import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { startLocalHost } from "../../local/host/index.js";
import { probe } from "./fixtures/probe.js";
import { collectingLogger, fixturesDir } from "./helpers.js";

const appDir = path.join(fixturesDir, "timerApp");
const modules = ["timers.ts"];

describe("timer triggers in the host", () => {
  it("refuses to start when a %SETTING% schedule is not set, naming the setting", async () => {
    await expect(
      startLocalHost({ rootDir: appDir, modules, port: 0, log: "quiet", localSettingsPath: false }),
    ).rejects.toThrow(
      /Function 'everySecond': its trigger option 'schedule' uses %EVERY_SECOND%, but the app setting "EVERY_SECOND" is not set/,
    );
  });

  it("refuses a five-field schedule coming from a setting", async () => {
    await expect(
      startLocalHost({
        rootDir: appDir,
        modules,
        port: 0,
        log: "quiet",
        localSettingsPath: false,
        env: { EVERY_SECOND: "* * * * *" },
      }),
    ).rejects.toThrow(/Function 'everySecond': '\* \* \* \* \*' is not a valid NCRONTAB expression/);
  });

  it("fires on its schedule with the Timer shape the library defines", async () => {
    const { log } = collectingLogger();
    const host = await startLocalHost({
      rootDir: appDir,
      modules,
      port: 0,
      hostname: "127.0.0.1",
      log,
      localSettingsPath: false,
      env: { EVERY_SECOND: "* * * * * *" },
    });
    try {
      await vi.waitFor(
        () => {
          expect(probe.timerCalls.get("everySecond")?.length).toBeGreaterThanOrEqual(2);
          expect(probe.timerCalls.get("everySecondUnmonitored")?.length).toBeGreaterThanOrEqual(1);
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      await host.close();
    }

    const [first, second] = probe.timerCalls.get("everySecond") as {
      isPastDue: unknown;
      schedule: unknown;
      scheduleStatus: { last: string; next: string; lastUpdated: string };
    }[];
    expect(first).toEqual({
      isPastDue: expect.any(Boolean) as unknown,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: "0001-01-01T00:00:00.000Z",
        next: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) as unknown,
        lastUpdated: "0001-01-01T00:00:00.000Z",
      },
    });
    const status = second?.scheduleStatus;
    expect(Date.parse(status?.last ?? "")).toBeGreaterThanOrEqual(
      Date.parse(first?.scheduleStatus.next ?? ""),
    );
    expect(Date.parse(status?.next ?? "")).toBeGreaterThan(Date.parse(status?.last ?? ""));
    expect(status?.lastUpdated).toBe(status?.last);

    // A sub-minute schedule is not monitored by default, so its status is null, as in Azure.
    expect(probe.timerCalls.get("everySecondUnmonitored")?.[0]).toMatchObject({
      scheduleStatus: null,
    });
    // runOnStartup ran once although its schedule (1 January) is far away.
    expect(probe.timerCalls.get("onStartup")).toEqual([expect.objectContaining({ isPastDue: false })]);
  });
});
