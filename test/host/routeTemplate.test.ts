import { describe, expect, it } from "vitest";
import {
  RouteTemplateError,
  comparePrecedence,
  decodePathSegments,
  matchRoute,
  parseRouteTemplate,
} from "../../local/host/http/routeTemplate.js";

const match = (template: string, path: string): Record<string, string> | undefined =>
  matchRoute(parseRouteTemplate(template), decodePathSegments(path));

describe("route templates", () => {
  it("matches literals case-insensitively and captures parameters", () => {
    expect(match("partners/{partnerId}", "/Partners/p-1")).toEqual({ partnerId: "p-1" });
    expect(match("partners/{partnerId}", "/partners")).toBeUndefined();
    expect(match("partners/{partnerId}", "/partners/p-1/extra")).toBeUndefined();
    expect(match("partners/{partnerId}", "/partners/p-1/")).toEqual({ partnerId: "p-1" });
  });

  it("supports optional parameters, defaults and catch-alls", () => {
    expect(match("items/{id?}", "/items")).toEqual({});
    expect(match("items/{id?}", "/items/3")).toEqual({ id: "3" });
    expect(match("pages/{page=1}", "/pages")).toEqual({ page: "1" });
    expect(match("files/{*path}", "/files/a/b/c.txt")).toEqual({ path: "a/b/c.txt" });
    expect(match("files/{*path}", "/files")).toEqual({});
  });

  it("matches complex segments", () => {
    expect(match("files/{name}.{ext}", "/files/report.pdf")).toEqual({ name: "report", ext: "pdf" });
    expect(match("files/{name}.{ext}", "/files/report")).toBeUndefined();
  });

  it("applies inline constraints", () => {
    expect(match("n/{id:int}", "/n/2147483647")).toEqual({ id: "2147483647" });
    expect(match("n/{id:int}", "/n/2147483648")).toBeUndefined();
    expect(match("n/{id:long}", "/n/2147483648")).toEqual({ id: "2147483648" });
    expect(match("n/{id:int}", "/n/1.5")).toBeUndefined();
    expect(match("g/{id:guid}", "/g/0f8fad5b-d9cb-469f-a165-70867728950e")).toBeDefined();
    expect(match("g/{id:guid}", "/g/0f8fad5bd9cb469fa16570867728950e")).toBeDefined();
    expect(match("g/{id:guid}", "/g/not-a-guid")).toBeUndefined();
    expect(match("a/{code:alpha:length(2)}", "/a/eu")).toEqual({ code: "eu" });
    expect(match("a/{code:alpha:length(2)}", "/a/e1")).toBeUndefined();
    expect(match("a/{code:alpha:length(2)}", "/a/eur")).toBeUndefined();
    expect(match("r/{n:range(1,5)}", "/r/5")).toBeDefined();
    expect(match("r/{n:range(1,5)}", "/r/6")).toBeUndefined();
    expect(match("b/{flag:bool}", "/b/TRUE")).toBeDefined();
    expect(match("s/{slug:regex(^[a-z]+(-[a-z]+)*$)}", "/s/contoso-ltd")).toBeDefined();
    expect(match("s/{slug:regex(^[a-z]+(-[a-z]+)*$)}", "/s/contoso--ltd")).toBeUndefined();
  });

  it("refuses templates ASP.NET Core refuses, naming the problem", () => {
    const bad: [string, RegExp][] = [
      ["a/{id}/{id}", /appears more than once/],
      ["{*rest}/more", /catch-all parameter 'rest' must be the whole last segment/],
      ["{id?}/more", /must only be followed by such segments/],
      ["a/{id:nonsense}", /unknown constraint 'nonsense'/],
      ["a/{id", /unclosed '\{'/],
      ["a//b", /segment is empty/],
      ["{a}{b}", /must be separated by a literal/],
      ["a/{:int}", /has no name/],
    ];
    for (const [template, problem] of bad) {
      expect(() => parseRouteTemplate(template), template).toThrow(RouteTemplateError);
      expect(() => parseRouteTemplate(template), template).toThrow(problem);
    }
  });

  it("orders routes as ASP.NET does: literal, constrained, plain parameter, catch-all", () => {
    const templates = [
      "partners/{*rest}",
      "partners/{partnerId}",
      "partners/{partnerId:int}",
      "partners/special",
      "{area}/special",
    ];
    const ordered = templates
      .map(parseRouteTemplate)
      .sort(comparePrecedence)
      .map((route) => route.template);
    expect(ordered).toEqual([
      "partners/special",
      "partners/{partnerId:int}",
      "partners/{partnerId}",
      "partners/{*rest}",
      "{area}/special",
    ]);
  });

  it("decodes path segments but keeps an encoded slash inside its segment", () => {
    expect(decodePathSegments("/api/a%20b/c%2Fd/%E2%82%AC")).toEqual(["api", "a b", "c%2Fd", "€"]);
    expect(decodePathSegments("/")).toEqual([]);
  });
});
