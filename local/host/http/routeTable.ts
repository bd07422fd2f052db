/**
 * Which HTTP function answers a request: routes under the host.json route prefix, tried in ASP.NET
 * precedence order (a literal segment wins over a parameter that would also match). A path that
 * some route matches under another method answers 405 with `Allow`.
 */
import type { FunctionRegistration, HttpTriggerSpec } from "../registrations.js";
import {
  RouteTemplateError,
  comparePrecedence,
  decodePathSegments,
  matchRoute,
  parseRouteTemplate,
  type RouteTemplate,
} from "./routeTemplate.js";

export interface HttpRoute {
  readonly registration: FunctionRegistration;
  readonly template: RouteTemplate;
  readonly methods: ReadonlySet<string>;
}

export type RouteLookup =
  | { readonly kind: "matched"; readonly route: HttpRoute; readonly params: Record<string, string> }
  | { readonly kind: "notFound" }
  | { readonly kind: "methodNotAllowed"; readonly allow: readonly string[] };

export class RouteTable {
  readonly #prefix: readonly string[];
  readonly #routes: readonly HttpRoute[];

  constructor(
    routePrefix: string,
    functions: readonly { registration: FunctionRegistration; spec: HttpTriggerSpec }[],
  ) {
    this.#prefix = decodePathSegments(routePrefix);
    const problems: string[] = [];
    const routes: HttpRoute[] = [];
    for (const { registration, spec } of functions) {
      try {
        routes.push({
          registration,
          template: parseRouteTemplate(spec.route),
          methods: new Set(spec.methods),
        });
      } catch (error) {
        if (!(error instanceof RouteTemplateError)) throw error;
        problems.push(`Function '${registration.name}': ${error.message}`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`Invalid HTTP routes:\n${problems.map((line) => `  - ${line}`).join("\n")}`);
    }
    this.#routes = routes.sort((a, b) => comparePrecedence(a.template, b.template));
  }

  /** The URL path each route serves, for the start-up listing (`/api/partners/{partnerId}`). */
  describe(): { name: string; methods: string[]; path: string }[] {
    return this.#routes.map((route) => ({
      name: route.registration.name,
      methods: [...route.methods],
      path: `/${[...this.#prefix, route.template.template.replace(/^~?\/+|\/+$/g, "")].filter(Boolean).join("/")}`,
    }));
  }

  lookup(method: string, pathname: string): RouteLookup {
    const segments = decodePathSegments(pathname);
    const prefixMatches = this.#prefix.every(
      (segment, index) => segments[index]?.toLowerCase() === segment.toLowerCase(),
    );
    if (!prefixMatches) return { kind: "notFound" };
    const rest = segments.slice(this.#prefix.length);

    const allow = new Set<string>();
    for (const route of this.#routes) {
      const params = matchRoute(route.template, rest);
      if (params === undefined) continue;
      if (route.methods.has(method.toUpperCase())) return { kind: "matched", route, params };
      for (const allowed of route.methods) allow.add(allowed);
    }
    return allow.size === 0 ? { kind: "notFound" } : { kind: "methodNotAllowed", allow: [...allow].sort() };
  }
}
