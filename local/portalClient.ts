/**
 * A caller's HTTP client, as the service asks one to behave: every request signed under the
 * caller's key (or carrying the customer's token), every POST with an Idempotency-Key, and a retry
 * after a dropped connection or a 503 sent with the SAME key, re-signed, so the service answers the
 * first request again instead of doing it twice.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";

import { signRequest } from "../shared/auth/signing.js";

export interface ApiResponse {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  readonly body: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly response: ApiResponse,
    expected: string,
  ) {
    super(
      `${response.method} ${response.url} answered ${response.status}, expected ${expected}: ${describeBody(response.body)}`,
    );
    this.name = "ApiError";
  }
}

export interface PortalClientOptions {
  /** `http://localhost:7071/api/`; request paths are relative to it. */
  readonly baseUrl: string;
  /** A signing key (operator or partner), or a customer's bearer token. */
  readonly credentials: { readonly keyId: string; readonly secret: string } | { readonly token: string };
  /** Attempts for one request when the connection fails or the service answers 503. Default 3. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

export interface PortalClient {
  get(path: string): Promise<ApiResponse>;
  put(path: string, body: unknown): Promise<ApiResponse>;
  delete(path: string): Promise<ApiResponse>;
  /** A fresh Idempotency-Key unless one is given (to replay a request on purpose). */
  post(path: string, body?: unknown, options?: { readonly idempotencyKey?: string }): Promise<ApiResponse>;
}

export function createPortalClient(options: PortalClientOptions): PortalClient {
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 250;

  const send = async (
    method: "GET" | "PUT" | "POST" | "DELETE",
    path: string,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<ApiResponse> => {
    const target = new URL(path, options.baseUrl);
    const url = target.href;
    const raw = body === undefined ? "" : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { accept: "application/json" };
      const { credentials } = options;
      // Signed per attempt: the timestamp must be fresh, the body (and so the key's hash) is the same.
      Object.assign(
        headers,
        "token" in credentials
          ? { authorization: `Bearer ${credentials.token}` }
          : signRequest({
              keyId: credentials.keyId,
              secret: credentials.secret,
              method,
              pathAndQuery: `${target.pathname}${target.search}`,
              idempotencyKey,
              body: raw,
            }),
      );
      if (body !== undefined) headers["content-type"] = "application/json";
      if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
      try {
        const response = await fetch(url, { method, headers, ...(raw === "" ? {} : { body: raw }) });
        const text = await response.text();
        const answer: ApiResponse = {
          method,
          url,
          status: response.status,
          headers: response.headers,
          body: parse(text),
        };
        if (response.status !== 503 || attempt >= attempts) return answer;
      } catch (error) {
        if (attempt >= attempts) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  };

  return {
    get: (path) => send("GET", path, undefined, undefined),
    put: (path, body) => send("PUT", path, body, undefined),
    delete: (path) => send("DELETE", path, undefined, undefined),
    post: (path, body, postOptions) => send("POST", path, body, postOptions?.idempotencyKey ?? randomUUID()),
  };
}

/** The response's body as the schema says, when its status is one of the expected ones. */
export function expectBody<S extends z.ZodType>(
  response: ApiResponse,
  statuses: readonly number[],
  schema: S,
): z.output<S> {
  if (!statuses.includes(response.status)) throw new ApiError(response, statuses.join(" or "));
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) {
    throw new ApiError(
      response,
      `a body matching the contract (${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")})`,
    );
  }
  return parsed.data;
}

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeBody(body: unknown): string {
  if (body === undefined) return "(no body)";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
