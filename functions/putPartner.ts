import { partnerSchema } from "../shared/domain/model.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { putPartner as storePartner } from "../shared/storage/index.js";

const spec = ROUTES.putPartner;

/** The operator registers a partner (TEN-4): its region and cloud are what MIG-7 and CLOUD-1 read. */
export const putPartner = defineRoute(spec, async ({ rt, params, body }) => {
  const partner = partnerSchema.parse({ id: params.partnerId, ...body });
  const outcome = await storePartner(rt.store, partner);
  rt.reference.rememberPartner(partner);
  return json(outcome === "created" ? 201 : 200, partner);
});

registerRoute(spec, putPartner);
