import { offerSchema } from "../shared/domain/model.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { putOffer as storeOffer } from "../shared/storage/index.js";

const spec = ROUTES.putOffer;

/** The operator keeps the offer catalogue (TEN-4) that MIG-4 and MIG-5 decide on. */
export const putOffer = defineRoute(spec, async ({ rt, params, body }) => {
  const offer = offerSchema.parse({ id: params.offerId, ...body });
  const outcome = await storeOffer(rt.store, offer);
  rt.reference.rememberOffer(offer);
  return json(outcome === "created" ? 201 : 200, offer);
});

registerRoute(spec, putOffer);
