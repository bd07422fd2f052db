/**
 * The customer map a caller may read (TEN-2: a partner its own, the operator any): one page of the
 * partner's summaries (storage customerMap.ts, one query), each with what needs a person as of now.
 */
import type { z } from "zod";

import { mayRead, type Caller } from "../domain/index.js";
import type { customerMapPageSchema } from "../http/portfolioViews.js";
import { actionsNeeded, readCustomerMap, type MapQuery } from "../storage/customerMap.js";
import type { Runtime } from "./runtime.js";

export type CustomerMapPage = z.infer<typeof customerMapPageSchema>;

export const DEFAULT_MAP_PAGE = 100;

/** Undefined when the caller may not read this partner's map (the same 404 as an unknown partner's). */
export async function customerMapPage(
  rt: Pick<Runtime, "store" | "now">,
  caller: Caller,
  partnerId: string,
  query: Omit<MapQuery, "now" | "limit"> & { limit?: number },
): Promise<CustomerMapPage | undefined> {
  if (!mayRead(caller, partnerId)) return undefined;
  const now = rt.now();
  const page = await readCustomerMap(rt.store, partnerId, {
    ...query,
    limit: query.limit ?? DEFAULT_MAP_PAGE,
    now,
  });
  return {
    partnerId,
    items: page.customers.map((summary) => ({
      customerId: summary.customerId,
      relationship: summary.relationship,
      delegatedAdmin: summary.delegatedAdmin,
      migrations: summary.migrations,
      subscriptions: summary.subscriptions,
      ...(summary.nextTermEnd === undefined ? {} : { nextTermEnd: summary.nextTermEnd }),
      needsAction: actionsNeeded(summary, now),
    })),
    ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }),
  };
}
