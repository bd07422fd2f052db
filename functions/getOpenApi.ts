import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { buildOpenApiDocument } from "../shared/http/openapi.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";

const spec = ROUTES.getOpenApi;
let document: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document, generated once per process from the handlers' own schemas. */
export function getOpenApi(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  document ??= buildOpenApiDocument();
  return Promise.resolve(json(200, document));
}

app.http(spec.name, httpOptions(spec, getOpenApi));
