import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { issuePartnerKey } from "../shared/pipeline/issuePartnerKey.js";
import { getPartner } from "../shared/storage/index.js";

const spec = ROUTES.postPartnerKey;

/**
 * The operator issues a key for a partner's portal (TEN-4). The secret is derived, never stored; a
 * retry with the same Idempotency-Key gets the same key back rather than a second one.
 */
export const postPartnerKey = defineRoute(spec, async ({ rt, caller, params, idempotencyKey }) => {
  const { partnerId } = params;
  if ((await getPartner(rt.store, partnerId)) === undefined) {
    return problem(
      "not-found",
      `Partner ${partnerId} is not registered: PUT /api/partners/${partnerId} first`,
    );
  }
  const { record, secret } = await issuePartnerKey(rt.store, rt.config.PARTNER_KEY_MASTER, {
    issuerKeyId: caller.keyId,
    partnerId,
    idempotencyKey,
    now: rt.now(),
  });
  if (secret === undefined) {
    return problem(
      "idempotency-mismatch",
      `Idempotency-Key '${idempotencyKey}' already issued a key that is revoked`,
    );
  }
  // A request with this id may have been refused a moment ago: the unknown id must not stay cached.
  rt.keyring.forget(record.keyId);
  return json(
    201,
    { keyId: record.keyId, secret, partnerId, createdAt: record.createdAt },
    { location: `/api/admin/partners/${partnerId}/keys/${record.keyId}`, "cache-control": "no-store" },
  );
});

registerRoute(spec, postPartnerKey);
