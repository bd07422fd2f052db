/**
 * The HTTP front end: a node:http server that routes each request to its function, runs it, and
 * writes the function's response. `authLevel` is not enforced, as with `func start`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage } from "../../../shared/errors.js";
import type { InFlight } from "../inFlight.js";
import type { Invoke } from "../invoke.js";
import type { HostLogger } from "../logging.js";
import { answerClientError } from "./clientError.js";
import { toHttpReply, toRpcHttpRequest, type HttpReply } from "./httpMessages.js";
import { problemReply } from "./problem.js";
import type { RouteTable } from "./routeTable.js";

export interface HttpFrontEndOptions {
  readonly routes: RouteTable;
  readonly invoke: Invoke;
  readonly inFlight: InFlight;
  readonly log: HostLogger;
  /** Larger request bodies are refused with 413 before the function runs. */
  readonly maxRequestBodyBytes: number;
}

export interface HttpFrontEnd {
  readonly port: number;
  /** Stops accepting connections; requests already received still complete. */
  stopAccepting(): void;
  /** Closes every connection left (after in-flight requests finished or the wait ran out). */
  closeConnections(): Promise<void>;
}

class BodyTooLargeError extends Error {}

const EMPTY = Buffer.alloc(0);

export async function startHttpFrontEnd(
  options: HttpFrontEndOptions,
  port: number,
  hostname: string,
): Promise<HttpFrontEnd> {
  let stopping = false;
  const server = http.createServer((request, response) => {
    // Each request is tracked from the start, so shutdown waits for it.
    void options.inFlight.run(() => handle(options, request, response, () => stopping));
  });
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      const hint = error.code === "EADDRINUSE" ? " (in use: pick another port, or 0 for a free one)" : "";
      reject(new Error(`Cannot listen on port ${port}${hint}: ${error.message}`, { cause: error }));
    };
    server.once("error", fail);
    server.listen(port, hostname, () => {
      server.off("error", fail);
      resolve();
    });
  });
  const closed = new Promise<void>((resolve) => server.once("close", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stopAccepting: () => {
      stopping = true;
      server.close();
      server.closeIdleConnections();
    },
    closeConnections: async () => {
      stopping = true;
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(
  options: HttpFrontEndOptions,
  request: IncomingMessage,
  response: ServerResponse,
  isStopping: () => boolean,
): Promise<void> {
  try {
    const reply = await answer(options, request);
    send(request, response, reply, isStopping());
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      const detail = `The request body is larger than ${options.maxRequestBodyBytes} bytes.`;
      send(request, response, problemReply(413, detail), true);
      return;
    }
    options.log({
      kind: "host",
      level: "error",
      message: `HTTP ${request.method ?? "?"} ${request.url ?? "?"} failed in the host: ${errorMessage(error)}`,
    });
    send(request, response, problemReply(500, "The host failed to handle the request."), true);
  }
}

async function answer(options: HttpFrontEndOptions, request: IncomingMessage): Promise<HttpReply> {
  const method = (request.method ?? "GET").toUpperCase();
  const host = request.headers.host ?? "localhost";
  const url = new URL(request.url ?? "/", `http://${host}`);
  const lookup = options.routes.lookup(method, url.pathname);
  if (lookup.kind === "notFound") {
    request.resume();
    return problemReply(404, `No function is routed at ${url.pathname}.`);
  }
  if (lookup.kind === "methodNotAllowed") {
    request.resume();
    const allow = lookup.allow.join(", ");
    return problemReply(405, `${url.pathname} takes ${allow}, not ${method}.`, [["allow", allow]]);
  }
  const body = await readBody(request, options.maxRequestBodyBytes);
  const result = await options.invoke(lookup.route.registration, {
    triggerData: toRpcHttpRequest({
      method,
      url: url.href,
      headers: request.headers,
      params: lookup.params,
      body,
    }),
    ...(typeof request.headers.traceparent === "string" ? { traceParent: request.headers.traceparent } : {}),
  });
  // A failed function is an empty 500, as in Azure; the invocation log line says why.
  return result.ok ? toHttpReply(result.response) : { status: 500, headers: [], body: EMPTY };
}

/**
 * The raw body, byte for byte. Past `limit` bytes it stops keeping data and rejects; the rest is
 * read and dropped so the client still receives the 413.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"] ?? "0");
    if (declared > limit) {
      request.resume();
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off("data", onData);
        request.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () => {
      resolve(Buffer.concat(chunks));
    });
    request.once("error", reject);
  });
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  reply: HttpReply,
  closeConnection: boolean,
): void {
  if (response.headersSent) return;
  for (const [name, value] of reply.headers) {
    if (name.toLowerCase() === "content-length" || name.toLowerCase() === "transfer-encoding") {
      continue;
    }
    response.appendHeader(name, value);
  }
  const isBodiless =
    request.method === "HEAD" || reply.status === 204 || reply.status === 304 || reply.status < 200;
  if (!(reply.status === 204 || reply.status === 304 || reply.status < 200)) {
    response.setHeader("content-length", reply.body.length);
  }
  if (closeConnection) response.setHeader("connection", "close");
  response.statusCode = reply.status;
  response.end(isBodiless ? undefined : reply.body);
}
