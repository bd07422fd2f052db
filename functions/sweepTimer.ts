/**
 * The nightly term-end sweep, on the SWEEP_SCHEDULE app setting (NCRONTAB): reads the due index and
 * queues one message per due customer, which processSweepMessage sweeps on any instance. A run after
 * a missed one (isPastDue) needs nothing special: it reads everything due up to now, however old.
 * The name `sweepTimer` is what the Bicep alert on missed runs queries.
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";

import { getConfig } from "../shared/config.js";
import { TIMER_ACTOR } from "../shared/domain/index.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { queueSweep, summary } from "../shared/pipeline/sweep.js";

export async function sweepTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const catchingUp = timer.isPastDue ? " (past due, catching up)" : "";
  const options = {
    asOf: runtime().now(),
    by: TIMER_ACTOR,
    log: (line: string) => {
      context.warn(line);
    },
  };
  const report = await queueSweep(options);
  context.log(`sweep as of ${report.asOf}${catchingUp}: ${summary(report)}`);
}

/**
 * The schedule, resolved here rather than as `%SWEEP_SCHEDULE%`: a host refuses a placeholder whose
 * setting is unset, while the config supplies the default (and validates six fields). If the settings
 * cannot be read at all, the placeholder is left for the host, which then names the missing setting.
 */
export function sweepSchedule(): string {
  try {
    return getConfig().SWEEP_SCHEDULE;
  } catch {
    return "%SWEEP_SCHEDULE%";
  }
}

app.timer("sweepTimer", { schedule: sweepSchedule(), runOnStartup: false, handler: sweepTimer });
