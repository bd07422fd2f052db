/**
 * Counts HTTP round trips to Table Storage: each one is a billed storage transaction, so benchmarks
 * can report "table transactions per migration". The policy sits after the retry policy, so a
 * retried request counts every attempt, as Azure bills it.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

export const ROUND_TRIP_KINDS = [
  "point-read",
  "query",
  "insert",
  "update",
  "upsert",
  "delete",
  "transaction",
  "create-table",
  "other",
] as const;
export type RoundTripKind = (typeof ROUND_TRIP_KINDS)[number];

export interface RoundTripSnapshot {
  readonly total: number;
  readonly byKind: Readonly<Record<RoundTripKind, number>>;
}

export class RoundTripCounter {
  private counts = zeroCounts();

  record(kind: RoundTripKind): void {
    this.counts[kind] += 1;
  }

  get total(): number {
    return ROUND_TRIP_KINDS.reduce((sum, kind) => sum + this.counts[kind], 0);
  }

  snapshot(): RoundTripSnapshot {
    return { total: this.total, byKind: { ...this.counts } };
  }

  reset(): void {
    this.counts = zeroCounts();
  }
}

/** The process-wide counter every store uses unless it is given its own. */
const processCounter = new RoundTripCounter();

/** Round trips made by this process so far (all stores sharing the process counter). */
export function tableRoundTrips(): RoundTripCounter {
  return processCounter;
}

export const ROUND_TRIP_POLICY_NAME = "tableRoundTripCounter";

export function roundTripCountingPolicy(counter: RoundTripCounter): PipelinePolicy {
  return {
    name: ROUND_TRIP_POLICY_NAME,
    sendRequest(request, next) {
      counter.record(classify(request));
      return next(request);
    },
  };
}

/** Names the operation from the method and URL shape of the Table service REST API. */
export function classify(request: Pick<PipelineRequest, "method" | "url" | "headers">): RoundTripKind {
  const path = decodeURIComponent(new URL(request.url).pathname);
  const lastSegment = path.slice(path.lastIndexOf("/") + 1);
  const addressesEntity = /\(PartitionKey=.*,RowKey=.*\)$/.test(lastSegment);
  switch (request.method) {
    case "GET":
      return addressesEntity ? "point-read" : "query";
    case "POST":
      if (lastSegment === "$batch") return "transaction";
      if (lastSegment === "Tables") return "create-table";
      return "insert";
    case "PUT":
    case "PATCH":
      return request.headers.has("If-Match") ? "update" : "upsert";
    case "DELETE":
      return "delete";
    default:
      return "other";
  }
}

function zeroCounts(): Record<RoundTripKind, number> {
  return Object.fromEntries(ROUND_TRIP_KINDS.map((kind) => [kind, 0])) as Record<RoundTripKind, number>;
}
