/**
 * Timer triggers, scheduled as the host's TimerListener does: one invocation at a time per
 * function, the next occurrence computed after each run from the time it started, `runOnStartup`
 * honoured, and the function given
 * `{ Schedule: { AdjustForDST }, ScheduleStatus: { Last, Next, LastUpdated } | null, IsPastDue }`
 * (the library camel-cases it). Occurrences use the process's local time zone, as the host does.
 *
 * `isPastDue` here means the timer fired more than a second after the occurrence it was due for
 * (the process was busy or suspended). The real host sets it when its persisted schedule status
 * shows an occurrence was missed while the app was down; a local host has no persisted status, so
 * it reports the miss it can observe.
 */
import type { InFlight } from "../inFlight.js";
import type { Invoke } from "../invoke.js";
import type { FunctionRegistration, TimerTriggerSpec } from "../registrations.js";
import { nextOccurrence } from "./ncrontab.js";

/** How late (ms) a firing may be before it counts as past due. */
export const PAST_DUE_TOLERANCE_MS = 1000;

/** `DateTime.MinValue`, what the host reports for "never" in a fresh schedule status. */
const NEVER = new Date(Date.UTC(1, 0, 1));
NEVER.setUTCFullYear(1);

/** setTimeout cannot wait longer than 2^31-1 ms; longer waits are chained. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export interface TimerClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export interface ScheduleStatus {
  last: Date;
  next: Date | undefined;
  lastUpdated: Date;
}

export interface TimerTriggersOptions {
  readonly functions: readonly { registration: FunctionRegistration; spec: TimerTriggerSpec }[];
  readonly invoke: Invoke;
  readonly inFlight: InFlight;
  readonly clock?: TimerClock;
  /** Told when a schedule has no future occurrence. */
  readonly onNeverFires?: (functionName: string) => void;
}

export interface TimerTriggers {
  /** Cancels every pending timer; invocations already running continue (see InFlight). */
  stop(): void;
}

export function startTimerTriggers(options: TimerTriggersOptions): TimerTriggers {
  const clock = options.clock ?? systemClock;
  const timers = options.functions.map((entry) => new FunctionTimer(entry, options, clock));
  for (const timer of timers) timer.start();
  return {
    stop: () => {
      for (const timer of timers) timer.stop();
    },
  };
}

class FunctionTimer {
  readonly #registration: FunctionRegistration;
  readonly #spec: TimerTriggerSpec;
  readonly #options: TimerTriggersOptions;
  readonly #clock: TimerClock;
  #status: ScheduleStatus;
  #handle: unknown;
  #stopped = false;

  constructor(
    entry: { registration: FunctionRegistration; spec: TimerTriggerSpec },
    options: TimerTriggersOptions,
    clock: TimerClock,
  ) {
    this.#registration = entry.registration;
    this.#spec = entry.spec;
    this.#options = options;
    this.#clock = clock;
    this.#status = {
      last: NEVER,
      next: nextOccurrence(entry.spec.schedule, new Date(clock.now())),
      lastUpdated: NEVER,
    };
  }

  start(): void {
    if (this.#spec.runOnStartup) {
      this.#arm(0, () => this.#fire("startup"));
      return;
    }
    this.#armForNext();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #armForNext(): void {
    const due = this.#status.next;
    if (due === undefined) {
      this.#options.onNeverFires?.(this.#registration.name);
      return;
    }
    this.#waitUntil(due);
  }

  #waitUntil(due: Date): void {
    const remaining = due.getTime() - this.#clock.now();
    if (remaining > MAX_TIMER_DELAY_MS) {
      this.#arm(MAX_TIMER_DELAY_MS, () => {
        this.#waitUntil(due);
      });
      return;
    }
    this.#arm(Math.max(1, remaining), () => this.#fire("schedule"));
  }

  #arm(delayMs: number, callback: () => void | Promise<void>): void {
    if (this.#stopped) return;
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      void callback();
    }, delayMs);
  }

  async #fire(reason: "startup" | "schedule"): Promise<void> {
    if (this.#stopped) return;
    const firedAt = this.#clock.now();
    const due = this.#status.next;
    const isPastDue =
      reason === "schedule" && due !== undefined && firedAt - due.getTime() > PAST_DUE_TOLERANCE_MS;
    await this.#options.inFlight.run(() =>
      this.#options.invoke(this.#registration, {
        triggerData: { json: JSON.stringify(this.#timerInfo(isPastDue)) },
      }),
    );
    // Like the host: a run that fired a little early counts from its due time, so the same
    // occurrence is not scheduled twice.
    const counted =
      reason === "schedule" && !isPastDue && due !== undefined && due.getTime() > firedAt
        ? due
        : new Date(firedAt);
    this.#status = {
      last: counted,
      next: nextOccurrence(this.#spec.schedule, counted),
      lastUpdated: counted,
    };
    this.#armForNext();
  }

  #timerInfo(isPastDue: boolean): unknown {
    const { last, next, lastUpdated } = this.#status;
    return {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: this.#spec.useMonitor
        ? {
            Last: last.toISOString(),
            Next: next?.toISOString() ?? null,
            LastUpdated: lastUpdated.toISOString(),
          }
        : null,
      IsPastDue: isPastDue,
    };
  }
}
