import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { ROUTES } from "../shared/http/routes.js";
import { getPartnerKey, revokePartnerKey } from "../shared/storage/index.js";

const spec = ROUTES.deletePartnerKey;

/**
 * Revokes a partner key (TEN-4): this instance refuses it from the next request on, every other
 * within the keyring's cache time. Revoking again answers 204 as well.
 */
export const deletePartnerKey = defineRoute(spec, async ({ rt, params }) => {
  const { partnerId, keyId } = params;
  const existing = await getPartnerKey(rt.store, keyId);
  if (existing?.partnerId !== partnerId) {
    return problem("not-found", `Partner ${partnerId} has no key ${keyId}`);
  }
  await revokePartnerKey(rt.store, keyId, rt.now().toISOString());
  rt.keyring.forget(keyId);
  return { status: 204 };
});

registerRoute(spec, deletePartnerKey);
