/**
 * Faults injected into Table Storage traffic with a pipeline policy on a real store: a request is
 * refused before it is sent (the write never lands), or sent and its answer lost (the write lands,
 * the caller sees a failure, as when a process dies right after it). One armed fault at a time.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

export type FaultTiming = "before-sending" | "after-landing";

export interface Fault {
  readonly matches: (request: PipelineRequest) => boolean;
  readonly timing: FaultTiming;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
  /**
   * The error's code. Default none: an unexpected failure (the function crashes). "EPIPE" reads as
   * a lost connection to the service (the HTTP edge answers 503) that the SDK does not retry.
   */
  readonly code?: string;
}

export class FaultInjector {
  private armed: { fault: Fault; left: number } | undefined;
  /** The requests that were made to fail, as "METHOD url". */
  readonly fired: string[] = [];

  arm(fault: Fault): void {
    this.armed = { fault, left: fault.times ?? 1 };
  }

  disarm(): void {
    this.armed = undefined;
  }

  readonly policy: PipelinePolicy = {
    name: "drillFaultInjector",
    sendRequest: async (request, next) => {
      const armed = this.armed;
      if (armed === undefined || armed.left === 0 || !armed.fault.matches(request)) return next(request);
      armed.left -= 1;
      this.fired.push(`${request.method} ${request.url}`);
      const fail = (what: string) =>
        Object.assign(
          new Error(`injected fault: ${request.method} ${what}`),
          armed.fault.code === undefined ? {} : { code: armed.fault.code },
        );
      if (armed.fault.timing === "before-sending") throw fail("refused before it was sent");
      await next(request);
      throw fail("landed, then its answer was lost");
    },
  };
}

/** An entity-group transaction on the customer's partition (its inserts name it in their bodies, the rest in their URLs). */
export function customerTransaction(customerId: string): (request: PipelineRequest) => boolean {
  return (request) =>
    request.method === "POST" &&
    request.url.endsWith("$batch") &&
    typeof request.body === "string" &&
    request.body.includes("customers") &&
    (request.body.includes(`(PartitionKey='${customerId}'`) ||
      request.body.includes(`"PartitionKey":"${customerId}"`));
}

/** An entity-group transaction on the indexes table naming the customer: a partner's map row with its due entries. */
export function indexBatch(customerId: string): (request: PipelineRequest) => boolean {
  return (request) =>
    request.method === "POST" &&
    request.url.endsWith("$batch") &&
    typeof request.body === "string" &&
    request.body.includes("indexes") &&
    request.body.includes(customerId);
}
