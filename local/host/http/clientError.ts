/**
 * Requests Node's parser refuses before the host sees them (headers over `maxHeaderSize`, malformed
 * requests): Node would answer them itself with an empty body; the host answers with a problem document.
 */
import type { Duplex } from "node:stream";
import { rawProblemResponse } from "./problem.js";

/** Node's parser error codes, mapped to the statuses Node itself would give them. */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; detail: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, detail: "The request's headers are larger than the host accepts." },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, detail: "The request's chunk extensions are too large." },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: "The request did not arrive in time." },
};

const MALFORMED = { status: 400, detail: "The request is not valid HTTP/1.1." };

export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset or an already-answered socket has no one left to read an answer.
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, detail } = CLIENT_ERRORS[error.code ?? ""] ?? MALFORMED;
  socket.end(rawProblemResponse(status, detail));
}
