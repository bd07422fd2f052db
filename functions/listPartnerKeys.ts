import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { listPartnerKeys as storedKeys } from "../shared/storage/index.js";

const spec = ROUTES.listPartnerKeys;

/** A partner's keys with their dates, revoked ones too; never a secret (TEN-4). */
export const listPartnerKeys = defineRoute(spec, async ({ rt, params }) => {
  const keys = await storedKeys(rt.store, params.partnerId);
  const items = keys.map(({ keyId, partnerId, createdAt, revokedAt }) => ({
    keyId,
    partnerId,
    createdAt,
    ...(revokedAt === undefined ? {} : { revokedAt }),
  }));
  return json(200, { items });
});

registerRoute(spec, listPartnerKeys);
