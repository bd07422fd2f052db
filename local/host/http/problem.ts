/**
 * Answers the host gives itself (no route, wrong method, body or headers too large, a host fault)
 * as RFC 9457 problem documents, so a client reads every host refusal the same way.
 */
import { STATUS_CODES } from "node:http";
import type { HttpReply } from "./httpMessages.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem document's bytes; `about:blank` says the status code alone explains it. */
function problemBody(status: number, detail: string): Buffer {
  const title = STATUS_CODES[status] ?? "Error";
  return Buffer.from(JSON.stringify({ type: "about:blank", title, status, detail }));
}

export function problemReply(
  status: number,
  detail: string,
  headers: readonly (readonly [string, string])[] = [],
): HttpReply {
  return {
    status,
    headers: [["content-type", PROBLEM_CONTENT_TYPE], ...headers],
    body: problemBody(status, detail),
  };
}

/** A whole HTTP/1.1 response, for a socket that never became a request (Node's `clientError`). */
export function rawProblemResponse(status: number, detail: string): Buffer {
  const body = problemBody(status, detail);
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
    `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}
