/**
 * Counts, at the HTTP level, what a store reads and writes: entities returned by GETs (a point read
 * is one entity, a query page its `value` rows) and entities written (each operation of a `$batch`,
 * each single insert/update/upsert/delete). Exact: it reads the requests and responses Azurite sees.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

export interface EntityCounts {
  readRequests: number;
  entitiesRead: number;
  writeRequests: number;
  entitiesWritten: number;
}

export interface EntityCounter {
  readonly policy: PipelinePolicy;
  readonly counts: EntityCounts;
  reset(): void;
}

const OPERATION_LINE = /^(POST|PUT|PATCH|MERGE|DELETE) https?:\/\//gm;

export function entityCounter(): EntityCounter {
  const counts: EntityCounts = { readRequests: 0, entitiesRead: 0, writeRequests: 0, entitiesWritten: 0 };
  return {
    counts,
    reset: () => {
      counts.readRequests = 0;
      counts.entitiesRead = 0;
      counts.writeRequests = 0;
      counts.entitiesWritten = 0;
    },
    policy: {
      name: "benchEntityCounter",
      async sendRequest(request, next) {
        const response = await next(request);
        if (request.method === "GET") {
          counts.readRequests += 1;
          if (response.status === 200 && response.bodyAsText) {
            const body = JSON.parse(response.bodyAsText) as { value?: unknown };
            counts.entitiesRead += Array.isArray(body.value) ? body.value.length : 1;
          }
        } else if (!isCreateTable(request)) {
          counts.writeRequests += 1;
          counts.entitiesWritten += operationsIn(request);
        }
        return response;
      },
    },
  };
}

function isCreateTable(request: PipelineRequest): boolean {
  return request.method === "POST" && new URL(request.url).pathname.endsWith("/Tables");
}

function operationsIn(request: PipelineRequest): number {
  if (!new URL(request.url).pathname.endsWith("$batch")) return 1;
  const body = typeof request.body === "string" ? request.body : "";
  return body.match(OPERATION_LINE)?.length ?? 0;
}
