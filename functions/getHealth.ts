import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { checkHealth } from "../shared/pipeline/health.js";
import { runtime } from "../shared/pipeline/runtime.js";

const spec = ROUTES.getHealth;

/** 200 when Table Storage and Service Bus answer, else 503 naming what is down. */
export async function getHealth(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const health = await checkHealth(runtime().store);
  if (health.status !== "ok") context.warn(`unhealthy: ${JSON.stringify(health.checks)}`);
  return json(health.status === "ok" ? 200 : 503, health, { "cache-control": "no-store" });
}

app.http(spec.name, httpOptions(spec, getHealth, "anonymous"));
