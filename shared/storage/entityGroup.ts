/**
 * Submits one entity-group transaction (Table Storage's `$batch`: one changeset, one partition)
 * through a TableClient's own pipeline, so its authentication, retries and our per-attempt policies
 * (round-trip counting, fault injection) all apply, with a body written here.
 *
 * Written by hand because the SDK's `submitTransaction` builds a second TableClient per call and
 * runs every operation through a whole request pipeline only to print it: about a tenth of the
 * host's CPU per migration. The wire format is the documented OData batch one: a multipart/mixed
 * body holding one changeset of HTTP sub-requests; the answer holds one sub-response per operation,
 * or the one that failed, whose status and `odata.error` become the RestError the SDK would throw.
 * Property values are what entityCodec.ts stores (strings, booleans, 32-bit integers), which JSON
 * carries without type annotations.
 */
import { randomUUID } from "node:crypto";

import type * as CoreRestPipeline from "@azure/core-rest-pipeline";
import type { HttpClient, PipelineResponse, RestError } from "@azure/core-rest-pipeline";
import type { TableClient, TransactionAction } from "@azure/data-tables";

const CRLF = "\r\n";
const API_VERSION = "2019-02-02";

type Pipeline = typeof CoreRestPipeline;

/** Loaded with the first transaction (the Tables SDK has loaded it by then), not at a cold start. */
let loaded: Promise<{ readonly pipeline: Pipeline; readonly httpClient: HttpClient }> | undefined;

/** One keep-alive HTTP client for every transaction of the process, as a TableClient keeps its own. */
function pipelineModule(): Promise<{ readonly pipeline: Pipeline; readonly httpClient: HttpClient }> {
  loaded ??= import("@azure/core-rest-pipeline").then((pipeline) => ({
    pipeline,
    httpClient: pipeline.createDefaultHttpClient(),
  }));
  return loaded;
}

/** Submits `actions` as one transaction; throws a RestError with the failing operation's status. */
export async function submitEntityGroup(
  client: TableClient,
  actions: readonly TransactionAction[],
): Promise<void> {
  const batch = `batch_${randomUUID()}`;
  const changeset = `changeset_${randomUUID()}`;
  const base = client.url.endsWith("/") ? client.url.slice(0, -1) : client.url;
  const tableUrl = `${base}/${client.tableName}`;
  const parts = actions.map((action) => `--${changeset}${CRLF}${subRequest(tableUrl, action)}`);
  const body =
    `--${batch}${CRLF}Content-Type: multipart/mixed; boundary=${changeset}${CRLF}${CRLF}` +
    `${parts.join(CRLF)}${CRLF}--${changeset}--${CRLF}--${batch}--${CRLF}`;
  const { pipeline, httpClient } = await pipelineModule();
  const request = pipeline.createPipelineRequest({
    url: `${base}/$batch`,
    method: "POST",
    body,
    headers: pipeline.createHttpHeaders({
      Accept: "application/json",
      "Content-Type": `multipart/mixed; boundary=${batch}`,
      "x-ms-version": API_VERSION,
      DataServiceVersion: "3.0;",
      MaxDataServiceVersion: "3.0;NetFx",
    }),
    allowInsecureConnection: base.startsWith("http:"),
  });
  const response = await client.pipeline.sendRequest(httpClient, request);
  throwIfFailed(pipeline, response);
}

function subRequest(tableUrl: string, [kind, entity, mode, options]: TransactionAction): string {
  const { partitionKey, rowKey, ...properties } = entity;
  const address = `${tableUrl}(PartitionKey='${keyOf(partitionKey)}',RowKey='${keyOf(rowKey)}')`;
  const etag = options?.etag;
  const merge = (mode ?? "Merge") === "Merge";
  const [method, url, ifMatch, withBody] =
    kind === "create"
      ? ["POST", tableUrl, undefined, true]
      : kind === "delete"
        ? ["DELETE", address, "*", false]
        : kind === "update"
          ? [merge ? "PATCH" : "PUT", address, etag ?? "*", true]
          : [merge ? "PATCH" : "PUT", address, undefined, true];
  const headers = [
    "Accept: application/json",
    "DataServiceVersion: 3.0",
    ...(kind === "create" ? ["Prefer: return-no-content"] : []),
    ...(ifMatch === undefined ? [] : [`If-Match: ${ifMatch}`]),
    ...(withBody ? ["Content-Type: application/json"] : []),
  ];
  const json = withBody ? JSON.stringify({ PartitionKey: partitionKey, RowKey: rowKey, ...properties }) : "";
  return [
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "",
    `${method} ${url} HTTP/1.1`,
    ...headers,
    "",
    json,
  ].join(CRLF);
}

/** A key inside an OData address: quotes doubled, then URL-encoded, as the SDK writes it. */
function keyOf(key: unknown): string {
  return encodeURIComponent(String(key).replaceAll("'", "''"));
}

const SUB_STATUS = /HTTP\/1\.1 (\d{3})/g;

function throwIfFailed(pipeline: Pipeline, response: PipelineResponse): void {
  const text = response.bodyAsText ?? "";
  if (response.status < 200 || response.status >= 300) {
    throw restError(pipeline, response, response.status, text);
  }
  for (const match of text.matchAll(SUB_STATUS)) {
    const status = Number(match[1]);
    if (status >= 300) throw restError(pipeline, response, status, text.slice(match.index));
  }
}

function restError(
  pipeline: Pipeline,
  response: PipelineResponse,
  statusCode: number,
  text: string,
): RestError {
  const error = odataError(text);
  return new pipeline.RestError(error.message ?? "Transaction failed", {
    statusCode,
    ...(error.code === undefined ? {} : { code: error.code }),
    request: response.request,
    response,
  });
}

function odataError(text: string): { readonly code?: string; readonly message?: string } {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return {};
  try {
    const parsed = JSON.parse(text.slice(start, end + 1)) as {
      "odata.error"?: { code?: unknown; message?: { value?: unknown } };
    };
    const error = parsed["odata.error"];
    return {
      ...(typeof error?.code === "string" ? { code: error.code } : {}),
      ...(typeof error?.message?.value === "string" ? { message: error.message.value } : {}),
    };
  } catch {
    return {};
  }
}
