/** Helpers for the end-to-end tests: raw signed HTTP, polling, and port checks. */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";

import { signedHeaders } from "../../shared/http/signature.js";

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A request as a portal sends it: PUT/POST signed, POST with an Idempotency-Key (fresh unless given). */
export async function call(
  baseUrl: string,
  secret: string,
  method: "GET" | "PUT" | "POST",
  path: string,
  body?: unknown,
  idempotencyKey: string = randomUUID(),
): Promise<Answer> {
  const raw = body === undefined ? "" : JSON.stringify(body);
  const headers: Record<string, string> =
    method === "GET"
      ? {}
      : {
          ...signedHeaders(secret, raw),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        };
  if (method === "POST") headers["idempotency-key"] = idempotencyKey;
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    ...(method === "GET" ? {} : { body: raw }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** Polls a GET until `done` holds for its body; fails with the last body when it never does. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Still waiting after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves "refused" when nothing listens on the port, "open" when something does. */
export function probePort(port: number, host = "127.0.0.1"): Promise<"open" | "refused"> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") resolve("refused");
      else reject(error);
    });
  });
}

/** Whole-day ISO times relative to now, as the API takes them. */
export function daysFromNow(days: number): string {
  const DAY_MS = 86_400_000;
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return new Date(today + days * DAY_MS).toISOString();
}
