/**
 * How the app reaches Table Storage: a connection string (Azurite locally) or an endpoint reached
 * with the managed identity (Azure, where shared keys are disabled).
 */
import type { TableClient } from "@azure/data-tables";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

import type { Config } from "../config.js";
import { managedIdentityCredential } from "../identity.js";

export type TableConnection =
  | { readonly kind: "connection-string"; readonly connectionString: string }
  | { readonly kind: "endpoint"; readonly endpoint: string; readonly clientId?: string | undefined };

/** The connection the settings describe; a connection string wins when both are set (local runs). */
export function connectionFromConfig(
  config: Pick<Config, "TABLES_CONNECTION" | "TABLES_ENDPOINT" | "AZURE_CLIENT_ID">,
): TableConnection {
  if (config.TABLES_CONNECTION !== undefined) {
    return { kind: "connection-string", connectionString: config.TABLES_CONNECTION };
  }
  if (config.TABLES_ENDPOINT !== undefined) {
    return { kind: "endpoint", endpoint: config.TABLES_ENDPOINT, clientId: config.AZURE_CLIENT_ID };
  }
  throw new Error("TABLES_CONNECTION or TABLES_ENDPOINT must be set to reach Table Storage");
}

/** Builds a client for one physical table; `policies` run once per HTTP attempt (after retries). */
export async function createTableClient(
  connection: TableConnection,
  tableName: string,
  policies: readonly PipelinePolicy[],
): Promise<TableClient> {
  // Loaded with the first client rather than at import: a cold start pays for it only when it reads.
  const { TableClient } = await import("@azure/data-tables");
  const client =
    connection.kind === "connection-string"
      ? TableClient.fromConnectionString(connection.connectionString, tableName, {
          allowInsecureConnection: usesHttp(connection.connectionString),
        })
      : new TableClient(
          connection.endpoint,
          tableName,
          await managedIdentityCredential(connection.clientId),
          {
            allowInsecureConnection: connection.endpoint.startsWith("http:"),
          },
        );
  for (const policy of policies) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return client;
}

/** A short, key-free description of where a connection points, for error messages and memo keys. */
export function describeConnection(connection: TableConnection): string {
  if (connection.kind === "endpoint") return connection.endpoint;
  return (
    tableEndpointOf(connection.connectionString) ??
    `account ${settingsOf(connection.connectionString).get("accountname") ?? "?"}`
  );
}

/** The Table endpoint a connection string names, explicitly or through the development shortcut. */
function tableEndpointOf(connectionString: string): string | undefined {
  const settings = settingsOf(connectionString);
  if (settings.get("usedevelopmentstorage") === "true") return "http://127.0.0.1:10002/devstoreaccount1";
  return settings.get("tableendpoint");
}

function usesHttp(connectionString: string): boolean {
  const endpoint = tableEndpointOf(connectionString);
  if (endpoint !== undefined) return endpoint.toLowerCase().startsWith("http:");
  return settingsOf(connectionString).get("defaultendpointsprotocol")?.toLowerCase() === "http";
}

function settingsOf(connectionString: string): Map<string, string> {
  return new Map(
    connectionString
      .split(";")
      .filter((part) => part.includes("="))
      .map((part) => {
        const at = part.indexOf("=");
        return [part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim()] as const;
      }),
  );
}
