import { deriveWebhookSecret, newSecretNonce } from "../shared/events/secrets.js";
import { targetProblem } from "../shared/events/targets.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { webhookCacheOf } from "../shared/pipeline/webhookCache.js";
import { otherPartnersWebhooks, webhookPath, webhookView } from "../shared/pipeline/webhookRoutes.js";
import { getPartner } from "../shared/storage/index.js";
import { putWebhook as storeWebhook } from "../shared/storage/webhooks.js";

const spec = ROUTES.putWebhook;

/**
 * Creates or replaces a subscription and answers its signing secret, once. The secret is derived
 * from the master key and a fresh nonce (shared/events/secrets.ts), so every PUT rotates it and the
 * table holds nothing that signs.
 */
export const putWebhook = defineRoute(spec, async ({ rt, caller, params, body }) => {
  const { partnerId, name } = params;
  const refused = otherPartnersWebhooks(caller, partnerId);
  if (refused !== undefined) return refused;
  const unsafe = targetProblem(body.url, rt.config.WEBHOOK_ALLOW_PRIVATE_TARGETS);
  if (unsafe !== undefined) {
    return problem("unprocessable", `The webhook URL ${unsafe}`, {
      errors: [{ path: "/url", message: unsafe }],
    });
  }
  if ((await getPartner(rt.store, partnerId)) === undefined) {
    return problem(
      "not-found",
      `Partner ${partnerId} is not registered: PUT /api/partners/${partnerId} first`,
    );
  }
  const [master] = rt.config.PARTNER_KEY_MASTER;
  if (master === undefined) throw new Error("PARTNER_KEY_MASTER holds no key");
  const record = {
    partnerId,
    name,
    url: body.url,
    events: body.events.includes("*") ? ["*"] : [...new Set(body.events)],
    masterVersion: master.id,
    secretNonce: newSecretNonce(),
    createdAt: rt.now().toISOString(),
  };
  await storeWebhook(rt.store, record);
  webhookCacheOf(rt.store).forget(partnerId);
  const secret = deriveWebhookSecret(master, partnerId, name, record.secretNonce);
  return json(
    201,
    { ...webhookView(record), secret },
    { location: webhookPath(partnerId, name), "cache-control": "no-store" },
  );
});

registerRoute(spec, putWebhook);
