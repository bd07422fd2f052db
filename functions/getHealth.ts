import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { checkHealth } from "../shared/pipeline/health.js";

const spec = ROUTES.getHealth;

/** 200 when Table Storage and Service Bus answer, else 503 naming what is down. Public: it reveals no data. */
export const getHealth = defineRoute(spec, async ({ rt, context }) => {
  const health = await checkHealth(rt.store);
  if (health.status !== "ok") context.warn(`unhealthy: ${JSON.stringify(health.checks)}`);
  return json(health.status === "ok" ? 200 : 503, health, { "cache-control": "no-store" });
});

registerRoute(spec, getHealth);
