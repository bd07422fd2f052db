import { describe, expect, it } from "vitest";
import { InFlight } from "../../local/host/inFlight.js";
import type { Invoke } from "../../local/host/invoke.js";
import type { FunctionRegistration, TimerTriggerSpec } from "../../local/host/registrations.js";
import { parseNcrontab } from "../../local/host/timers/ncrontab.js";
import { startTimerTriggers, type TimerClock } from "../../local/host/timers/timerTrigger.js";

/** A clock whose timers fire only when the test says, at the time the test says. */
class FakeClock implements TimerClock {
  time: number;
  readonly pending = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;

  constructor(start: string) {
    this.time = Date.parse(start);
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    this.pending.set(id, { at: this.time + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Fires the earliest timer `lateByMs` after it was due, then lets the host react. */
  async fireNext(lateByMs = 0): Promise<void> {
    const [id, timer] = [...this.pending.entries()].sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
    if (id === undefined || timer === undefined) throw new Error("no timer pending");
    this.pending.delete(id);
    this.time = Math.max(this.time, timer.at + lateByMs);
    timer.callback();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface TimerInfoJson {
  Schedule: { AdjustForDST: boolean };
  ScheduleStatus: { Last: string; Next: string; LastUpdated: string } | null;
  IsPastDue: boolean;
}

const registration = { name: "sweep" } as FunctionRegistration;

function setUp(expression: string, options: Partial<TimerTriggerSpec> = {}) {
  const clock = new FakeClock("2024-05-01T10:00:03.000Z");
  const calls: TimerInfoJson[] = [];
  const invoke: Invoke = (_registration, input) => {
    calls.push(JSON.parse(input.triggerData.json ?? "null") as TimerInfoJson);
    return Promise.resolve({ ok: true, invocationId: String(calls.length), response: {} });
  };
  const spec: TimerTriggerSpec = {
    kind: "timer",
    schedule: parseNcrontab(expression),
    runOnStartup: false,
    useMonitor: true,
    ...options,
  };
  const timers = startTimerTriggers({
    functions: [{ registration, spec }],
    invoke,
    inFlight: new InFlight(),
    clock,
  });
  return { clock, calls, timers };
}

const NEVER = "0001-01-01T00:00:00.000Z";

describe("timer triggers", () => {
  it("passes the schedule status as the host does and advances it after each run", async () => {
    const { clock, calls } = setUp("*/10 * * * * *");
    expect([...clock.pending.values()].map((timer) => new Date(timer.at).toISOString())).toEqual([
      "2024-05-01T10:00:10.000Z",
    ]);
    await clock.fireNext();
    await clock.fireNext();
    expect(calls).toEqual([
      {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: { Last: NEVER, Next: "2024-05-01T10:00:10.000Z", LastUpdated: NEVER },
        IsPastDue: false,
      },
      {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: {
          Last: "2024-05-01T10:00:10.000Z",
          Next: "2024-05-01T10:00:20.000Z",
          LastUpdated: "2024-05-01T10:00:10.000Z",
        },
        IsPastDue: false,
      },
    ]);
  });

  it("marks a run past due when the timer fired well after its occurrence, then resumes the schedule", async () => {
    const { clock, calls } = setUp("*/10 * * * * *");
    await clock.fireNext(25_000); // due 10:00:10, the process was suspended until 10:00:35
    expect(calls[0]?.IsPastDue).toBe(true);
    // Missed occurrences are not replayed one by one: the next is the first after the late run.
    expect([...clock.pending.values()].map((timer) => new Date(timer.at).toISOString())).toEqual([
      "2024-05-01T10:00:40.000Z",
    ]);
    await clock.fireNext();
    expect(calls[1]).toMatchObject({
      IsPastDue: false,
      ScheduleStatus: { Last: "2024-05-01T10:00:35.000Z", Next: "2024-05-01T10:00:40.000Z" },
    });
  });

  it("does not call ordinary timer jitter past due", async () => {
    const { clock, calls } = setUp("*/10 * * * * *");
    await clock.fireNext(400);
    expect(calls[0]?.IsPastDue).toBe(false);
  });

  it("runs once at start-up when runOnStartup is set, not past due", async () => {
    const { clock, calls } = setUp("0 * * * * *", { runOnStartup: true });
    await clock.fireNext();
    expect(calls).toEqual([
      {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: { Last: NEVER, Next: "2024-05-01T10:01:00.000Z", LastUpdated: NEVER },
        IsPastDue: false,
      },
    ]);
    expect([...clock.pending.values()].map((timer) => new Date(timer.at).toISOString())).toEqual([
      "2024-05-01T10:01:00.000Z",
    ]);
  });

  it("passes a null schedule status when monitoring is off", async () => {
    const { clock, calls } = setUp("* * * * * *", { useMonitor: false });
    await clock.fireNext();
    expect(calls[0]).toEqual({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: null,
      IsPastDue: false,
    });
  });

  it("never runs one function twice at once, and stop() cancels what is pending", async () => {
    const clock = new FakeClock("2024-05-01T10:00:03.000Z");
    let finish = (): void => undefined;
    const invoke: Invoke = () =>
      new Promise((resolve) => {
        finish = () => {
          resolve({ ok: true, invocationId: "1", response: {} });
        };
      });
    const inFlight = new InFlight();
    const timers = startTimerTriggers({
      functions: [
        {
          registration,
          spec: {
            kind: "timer",
            schedule: parseNcrontab("* * * * * *"),
            runOnStartup: false,
            useMonitor: false,
          },
        },
      ],
      invoke,
      inFlight,
      clock,
    });
    await clock.fireNext();
    expect(inFlight.size).toBe(1);
    expect(clock.pending.size).toBe(0);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending.size).toBe(1);
    timers.stop();
    expect(clock.pending.size).toBe(0);
  });
});
