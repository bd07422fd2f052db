/** JSON answers, and turning a stored (idempotent) answer back into a response. */
import type { HttpResponseInit } from "@azure/functions";

import type { StoredResponse } from "../storage/index.js";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "content-type": "application/json", ...headers } };
}

export function fromStored(stored: StoredResponse): HttpResponseInit {
  return { status: stored.status, headers: stored.headers, body: stored.body };
}

/** The 202 of asynchronous work: its id, its status and where to poll. */
export function acceptedResponse(id: string, status: string, location: string): StoredResponse {
  return {
    status: 202,
    headers: { "content-type": "application/json", location },
    body: JSON.stringify({ id, status }),
  };
}
