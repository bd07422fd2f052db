import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { readParams } from "../shared/http/input.js";
import { problem } from "../shared/http/problem.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { migrationView } from "../shared/pipeline/views.js";

const spec = ROUTES.getMigration;

export async function getMigration(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = readParams(request, spec.params);
  if (!read.ok) return read.response;
  const view = await migrationView(rt.store, read.value.id, rt.now());
  return view === undefined ? problem("not-found", `No migration ${read.value.id}`) : json(200, view);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(getMigration)));
