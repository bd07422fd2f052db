import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { buildOpenApiDocument } from "../shared/http/openapi.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";

const spec = ROUTES.getOpenApi;
let document: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document, generated once per process from the handlers' own schemas. */
export const getOpenApi = defineRoute(spec, () => {
  document ??= buildOpenApiDocument();
  return Promise.resolve(json(200, document));
});

registerRoute(spec, getOpenApi);
