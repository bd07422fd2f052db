/**
 * One delivery attempt: POST the event to the subscription's URL, signed. Written on node:http(s)
 * rather than fetch because the safe-target check must see the very addresses the connection uses:
 * the `lookup` hook refuses a host name that resolves to any non-public address (DNS can change
 * between the PUT and the send), so no later resolution can slip past it. No redirect is followed
 * (a 3xx is a failed attempt), and the response body is never read: only its status counts.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";

import type { EventEnvelope } from "./catalogue.js";
import { signEvent } from "./signature.js";
import { isPublicAddress, targetProblem } from "./targets.js";

export interface DeliveryTarget {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly allowPrivateTargets: boolean;
}

export type AttemptResult =
  { readonly ok: true; readonly status: number } | { readonly ok: false; readonly result: string };

/** The exact bytes and headers of a delivery, signed at `now`. */
export function deliveryRequest(event: EventEnvelope, secret: string, now: Date) {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "csp-onboarding-webhooks/1",
      "x-event-id": event.id,
      "x-event-type": event.type,
      "x-timestamp": String(timestamp),
      "x-signature": signEvent(secret, timestamp, body),
    },
  };
}

export function attemptDelivery(
  target: DeliveryTarget,
  event: EventEnvelope,
  now: Date,
): Promise<AttemptResult> {
  const refused = targetProblem(target.url, target.allowPrivateTargets);
  if (refused !== undefined) return Promise.resolve({ ok: false, result: `refused: the URL ${refused}` });
  const url = new URL(target.url);
  const { body, headers } = deliveryRequest(event, target.secret, now);
  const options: RequestOptions = {
    method: "POST",
    headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
    lookup: safeLookup(target.allowPrivateTargets),
    signal: AbortSignal.timeout(target.timeoutMs),
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(url, options, (response) => {
      const status = response.statusCode ?? 0;
      // Only the status counts: drop the connection rather than read a body of any size.
      response.destroy();
      resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, result: `HTTP ${status}` });
    });
    request.on("error", (error: Error & { code?: string }) => {
      const timedOut = error.name === "AbortError" || error.name === "TimeoutError";
      resolve({
        ok: false,
        result: timedOut
          ? `timed out after ${target.timeoutMs / 1000} s`
          : `${error.code ?? "error"}: ${error.message}`.slice(0, 500),
      });
    });
    request.end(body);
  });
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup, refusing any answer that holds a non-public address unless private targets are allowed. */
function safeLookup(allowPrivateTargets: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      const refused = addresses.find((entry) => !allowPrivateTargets && !isPublicAddress(entry.address));
      if (refused !== undefined) {
        callback(
          Object.assign(new Error(`${hostname} resolves to ${refused.address}, not a public address`), {
            code: "EREFUSED_TARGET",
          }),
          [],
        );
        return;
      }
      const wantsAll = (options as { all?: boolean }).all === true;
      const [first] = addresses;
      if (wantsAll) {
        callback(null, addresses);
        return;
      }
      if (first === undefined) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
        return;
      }
      callback(null, first.address, first.family || isIP(first.address));
    });
  };
}
