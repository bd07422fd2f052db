/** app.http options for a route of the route table, so the route, method and name come from one place. */
import type { HttpFunctionOptions, HttpHandler } from "@azure/functions";

import type { RouteSpec } from "./routes.js";

export function httpOptions(
  spec: RouteSpec,
  handler: HttpHandler,
  authLevel: "anonymous" | "function" | "admin" = spec.admin === true ? "admin" : "function",
): HttpFunctionOptions {
  return { methods: [spec.method], route: spec.route, authLevel, handler };
}
