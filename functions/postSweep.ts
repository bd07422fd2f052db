/**
 * POST /api/admin/sweep?asOf=<iso>&dryRun=true: the operator runs the term-end sweep now, the same
 * code the nightly timer runs: each due customer is queued for its own sweep (the answer says how
 * many); with dryRun, nothing is queued or written and the answer is what would change (OPS-1).
 */
import { sweepAsOfViolation } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { queueSweep, runSweep, summary } from "../shared/pipeline/sweep.js";

const spec = ROUTES.postSweep;

/** Who the history names for a sweep an operator ran. */
export const ADMIN_SWEEP_ACTOR = "admin-sweep";

export const postSweep = defineRoute(spec, async ({ rt, query, context }) => {
  const now = rt.now();
  const asOf = query.asOf === undefined ? now : new Date(query.asOf);
  const dryRun = query.dryRun === "true";
  const refused = sweepAsOfViolation(asOf, now, dryRun);
  if (refused !== null) {
    return problem("unprocessable", refused.message, { violations: [refused] });
  }
  const log = (line: string) => {
    context.warn(line);
  };
  const report = dryRun
    ? await runSweep({ asOf, dryRun, by: ADMIN_SWEEP_ACTOR, log })
    : await queueSweep({ asOf, by: ADMIN_SWEEP_ACTOR, log });
  context.log(`sweep as of ${report.asOf}${report.dryRun ? " (dry run)" : ""}: ${summary(report)}`);
  return json(200, report);
});

registerRoute(spec, postSweep);
