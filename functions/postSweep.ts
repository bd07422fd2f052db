/**
 * POST /api/admin/sweep?asOf=<iso>&dryRun=true: runs the term-end sweep now (admin key), the same
 * code the nightly timer runs, and answers what it did, or with dryRun what it would do.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";

import { fieldErrors, problem } from "../shared/http/problem.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { runSweep } from "../shared/pipeline/sweep.js";

const spec = ROUTES.postSweep;

/** Who the history names for a sweep an operator ran. */
export const ADMIN_SWEEP_ACTOR = "admin-sweep";

const querySchema = z.object({
  asOf: spec.query.asOf.schema.optional(),
  dryRun: spec.query.dryRun.schema.optional(),
});

export async function postSweep(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const query = querySchema.safeParse({
    asOf: request.query.get("asOf") ?? undefined,
    dryRun: request.query.get("dryRun") ?? undefined,
  });
  if (!query.success) {
    const errors = fieldErrors(query.error).map((error) => ({ ...error, path: `/query${error.path}` }));
    return problem("bad-request", "The query is invalid", { errors });
  }
  const rt = runtime();
  const report = await runSweep({
    asOf: query.data.asOf ?? rt.now(),
    dryRun: query.data.dryRun === "true",
    by: ADMIN_SWEEP_ACTOR,
    log: (line) => {
      context.warn(line);
    },
  });
  context.log(
    `sweep as of ${report.asOf}${report.dryRun ? " (dry run)" : ""}: ${report.customers} customer(s), ${report.transitions.length} transition(s)`,
  );
  return json(200, report);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(postSweep)));
