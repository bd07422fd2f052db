/**
 * Conversions between node:http and the RPC shapes the programming model reads and writes: the
 * request goes in as `{ http: { method, url, headers, params, body: { bytes } } }` (bytes exactly
 * as received), the response comes back as `{ http: { statusCode, headers, cookies, body } }`.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { RpcHttpCookie, RpcInvocationResponse, RpcTypedData } from "../coreTypes.js";

export interface IncomingRequestData {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export function toRpcHttpRequest(request: IncomingRequestData): RpcTypedData {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    http: {
      method: request.method,
      url: request.url,
      headers,
      params: { ...request.params },
      // The library builds its Request from these bytes; query comes from the URL itself.
      ...(request.body.length > 0 ? { body: { bytes: request.body } } : {}),
    },
  };
}

export interface HttpReply {
  readonly status: number;
  /** Header pairs; `set-cookie` may repeat. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/**
 * The reply for a finished invocation. No response at all is `200` with an empty body, which is
 * what the real host answers (FunctionInvocationMiddleware falls back to `OkResult`).
 */
export function toHttpReply(response: RpcInvocationResponse): HttpReply {
  const http = response.returnValue?.http;
  if (http === undefined || http === null) return { status: 200, headers: [], body: Buffer.alloc(0) };
  const status = Number(http.statusCode ?? "200");
  const headers: [string, string][] = Object.entries(http.headers ?? {});
  for (const cookie of http.cookies ?? []) headers.push(["set-cookie", serializeCookie(cookie)]);
  return {
    status: Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500,
    headers,
    body: bodyBytes(http.body),
  };
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (body === null || body === undefined) return Buffer.alloc(0);
  if (body.bytes !== null && body.bytes !== undefined) {
    return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  }
  if (typeof body.string === "string") return Buffer.from(body.string, "utf8");
  if (typeof body.json === "string") return Buffer.from(body.json, "utf8");
  return Buffer.alloc(0);
}

/** A `Set-Cookie` value from the RPC cookie the library produces (RFC 6265 attributes). */
export function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ""}=${cookie.value ?? ""}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expiresSeconds = cookie.expires?.value?.seconds;
  if (typeof expiresSeconds === "number") {
    parts.push(`Expires=${new Date(expiresSeconds * 1000).toUTCString()}`);
  }
  const maxAge = cookie.maxAge?.value;
  if (typeof maxAge === "number") parts.push(`Max-Age=${Math.trunc(maxAge)}`);
  if (cookie.secure?.value === true) parts.push("Secure");
  if (cookie.httpOnly?.value === true) parts.push("HttpOnly");
  if (cookie.sameSite === "lax") parts.push("SameSite=Lax");
  else if (cookie.sameSite === "strict") parts.push("SameSite=Strict");
  else if (cookie.sameSite === "explicitNone") parts.push("SameSite=None");
  return parts.join("; ");
}
