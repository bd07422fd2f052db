/**
 * The local Partner Center's test controls over HTTP (README.md beside this file), as the demo, the
 * linking of a partner and the tests drive it: the one client of `/_control/`.
 */
import type { Delivery, PlacedOrder, RecordedRequest } from "./server.js";

/** POSTs a test control and reads its JSON answer; any answer but 200 throws, naming it. */
export async function partnerCenterControl<T = Record<string, unknown>>(
  partnerCenterUrl: string,
  path: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(`${partnerCenterUrl}/_control/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`/_control/${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Customer X accepts partner tenant P's invitation; Partner Center posts its signed event to P's webhook. */
export function acceptInPartnerCenter(
  partnerCenterUrl: string,
  customerId: string,
  partnerTenantId: string,
): Promise<Delivery> {
  return partnerCenterControl<Delivery>(
    partnerCenterUrl,
    `customers/${encodeURIComponent(customerId)}/accept`,
    { partnerTenantId },
  );
}

/** Every request the service made of the local Partner Center, in order. */
export async function partnerCenterRequests(partnerCenterUrl: string): Promise<RecordedRequest[]> {
  const response = await fetch(`${partnerCenterUrl}/_control/requests`);
  if (!response.ok) throw new Error(`/_control/requests answered ${response.status}`);
  return (await response.json()) as RecordedRequest[];
}

/** Every order the local Partner Center's checkouts made, oldest first. */
export async function partnerCenterOrders(partnerCenterUrl: string): Promise<PlacedOrder[]> {
  const response = await fetch(`${partnerCenterUrl}/_control/orders`);
  if (!response.ok) throw new Error(`/_control/orders answered ${response.status}`);
  return (await response.json()) as PlacedOrder[];
}
