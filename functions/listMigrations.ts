import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { readParams } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { listEntities } from "../shared/storage/index.js";

const spec = ROUTES.listMigrations;

export async function listMigrations(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const read = readParams(request, spec.params);
  if (!read.ok) return read.response;
  const stored = await listEntities(runtime().store, "migration", read.value.customerId);
  return json(200, { items: stored.map((entity) => entity.value) });
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(listMigrations)));
