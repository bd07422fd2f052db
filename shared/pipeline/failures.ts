/**
 * Telling a dependency that is down (answer 503, the caller retries) from a bug (throw: the host
 * logs a 500). Bad input never gets here: it is answered 4xx before any I/O.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";

import { errorMessage } from "../errors.js";
import { problem } from "../http/problem.js";
import { ConcurrencyConflictError } from "../storage/index.js";

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "REQUEST_SEND_ERROR",
  "ServiceUnavailable",
  "ServiceCommunicationProblem",
  "ServiceBusy",
  "ServiceTimeout",
  "GeneralError",
  "ERR_JWKS_TIMEOUT",
]);

/** An error from Table Storage or Service Bus that says the service could not be reached or was busy. */
function isDependencyFailure(error: unknown): boolean {
  if (error instanceof ConcurrencyConflictError) return true;
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const { code, statusCode, name } = current as Error & { code?: unknown; statusCode?: unknown };
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
    if (typeof statusCode === "number" && (statusCode === 503 || statusCode === 500 || statusCode === 408))
      return true;
    if (name === "ServiceBusError" || name === "MessagingError" || name === "AbortError") return true;
    current = current.cause;
  }
  return false;
}

export type HttpFunction = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Wraps an HTTP handler: a dependency that fails is a 503 problem with Retry-After, never a bare 500. */
export function answeringUnavailable(handler: HttpFunction): HttpFunction {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (!isDependencyFailure(error)) throw error;
      const reason = errorMessage(error, { firstLine: true });
      context.warn(`dependency unavailable: ${reason}`);
      return problem("unavailable", `Storage or messaging is unavailable; retry shortly (${reason})`, {
        headers: { "retry-after": "5" },
      });
    }
  };
}
