/**
 * Fault injection at the HTTP pipeline: the next request matching a predicate fails before it is
 * sent, as a dropped connection would. Azurite stays real; only the wire is cut, once.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

export interface Fault {
  readonly policy: PipelinePolicy;
  /** Fails the next matching request. */
  arm(matches: (request: PipelineRequest) => boolean): void;
  readonly fired: number;
}

export function createFault(): Fault {
  let armed: ((request: PipelineRequest) => boolean) | undefined;
  let fired = 0;
  return {
    policy: {
      name: "injectedFault",
      sendRequest(request, next) {
        if (armed?.(request) === true) {
          armed = undefined;
          fired += 1;
          return Promise.reject(new Error(`injected fault: ${request.method} ${request.url}`));
        }
        return next(request);
      },
    },
    arm(matches) {
      armed = matches;
    },
    get fired() {
      return fired;
    },
  };
}

/** The entity-group transaction on a given table. */
export function isTransactionOn(table: string): (request: PipelineRequest) => boolean {
  return (request) =>
    request.method === "POST" &&
    request.url.endsWith("$batch") &&
    typeof request.body === "string" &&
    request.body.includes(`/${table}`);
}

/** Any delete on a given table. */
export function isDeleteOn(table: string): (request: PipelineRequest) => boolean {
  return (request) => request.method === "DELETE" && new URL(request.url).pathname.includes(`/${table}(`);
}
