import { customerMapCsv } from "../shared/http/customerMapCsv.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { customerMapPage } from "../shared/pipeline/customerMap.js";

const spec = ROUTES.listPartnerCustomers;

/** A page of the partner's customer map, as JSON or (Accept: text/csv) CSV; another partner's is 404 (TEN-2). */
export const listPartnerCustomers = defineRoute(spec, async ({ rt, caller, params, query, request }) => {
  const page = await customerMapPage(rt, caller, params.partnerId, {
    ...(query.relationship === undefined ? {} : { relationship: query.relationship }),
    ...(query.needsAction === undefined ? {} : { needsAction: query.needsAction === "true" }),
    ...(query.termEndBefore === undefined ? {} : { termEndBefore: query.termEndBefore }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
    ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }),
  });
  if (page === undefined) return problem("not-found", `No customer map for partner ${params.partnerId}`);
  if (!(request.headers.get("accept") ?? "").includes("text/csv")) return json(200, page);
  return {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      ...(page.continuationToken === undefined ? {} : { "x-continuation-token": page.continuationToken }),
    },
    body: customerMapCsv(page.items),
  };
});

registerRoute(spec, listPartnerCustomers);
