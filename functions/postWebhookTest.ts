import { attemptDelivery } from "../shared/events/deliver.js";
import { deriveWebhookSecret } from "../shared/events/secrets.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { otherPartnersWebhooks, testEvent } from "../shared/pipeline/webhookRoutes.js";
import { getWebhook } from "../shared/storage/webhooks.js";

const spec = ROUTES.postWebhookTest;

/** Sends a signed `test` event now, once, as a real delivery would, and answers what the receiver said. */
export const postWebhookTest = defineRoute(spec, async ({ rt, caller, params }) => {
  const { partnerId, name } = params;
  const refused = otherPartnersWebhooks(caller, partnerId);
  if (refused !== undefined) return refused;
  const webhook = await getWebhook(rt.store, partnerId, name);
  if (webhook === undefined) return problem("not-found", `Partner ${partnerId} has no webhook ${name}`);
  const master = rt.config.PARTNER_KEY_MASTER.find((key) => key.id === webhook.masterVersion);
  if (master === undefined) {
    return problem("unprocessable", "The secret's master key was retired: PUT the subscription again");
  }
  const event = testEvent(partnerId, name, rt.now());
  const result = await attemptDelivery(
    {
      url: webhook.url,
      secret: deriveWebhookSecret(master, partnerId, name, webhook.secretNonce),
      timeoutMs: rt.config.WEBHOOK_TIMEOUT_SECONDS * 1000,
      allowPrivateTargets: rt.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    },
    event,
    rt.now(),
  );
  return json(200, {
    delivered: result.ok,
    result: result.ok ? `HTTP ${result.status}` : result.result,
    eventId: event.id,
  });
});

registerRoute(spec, postWebhookTest);
