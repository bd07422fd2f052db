/**
 * Helpers for tests that use Table Storage: each test file gets its own table prefix, derived from
 * its path, so files running in parallel against the one Azurite never see each other's rows.
 */
import { createHash, randomUUID } from "node:crypto";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

import { inject } from "vitest";

import {
  createTableStore,
  TABLE_NAMES,
  type TableStore,
  type TableStoreOptions,
} from "../../shared/storage/index.js";

/** The Azurite connection string the global setup provides. */
export function tablesConnection(): string {
  return inject("tablesConnection");
}

/** A TABLES_PREFIX unique to a test file: "t" and 12 hex digits of its path's hash. */
export function tablesPrefixFor(fileUrl: string): string {
  const path = relative(process.cwd(), fileURLToPath(fileUrl));
  return `t${createHash("sha256").update(path).digest("hex").slice(0, 12)}`;
}

/** Settings for code that reads them through getConfig(): merge into process.env before it runs. */
export function tableSettingsFor(fileUrl: string): { TABLES_CONNECTION: string; TABLES_PREFIX: string } {
  return { TABLES_CONNECTION: tablesConnection(), TABLES_PREFIX: tablesPrefixFor(fileUrl) };
}

/** A store on the run's Azurite with the file's own prefix (and its own round-trip counter if given). */
export function testTableStore(
  fileUrl: string,
  options: Omit<TableStoreOptions, "connection" | "prefix"> = {},
): TableStore {
  return createTableStore({
    connection: { kind: "connection-string", connectionString: tablesConnection() },
    prefix: tablesPrefixFor(fileUrl),
    ...options,
  });
}

/** An id no other test of the file uses. */
export function uniqueId(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** Every row of every table, as text, so "nothing written" compares whole states. */
export async function tableSnapshot(store: TableStore): Promise<string[]> {
  const rows: string[] = [];
  for (const name of TABLE_NAMES) {
    const client = await store.table(name);
    for await (const row of client.listEntities()) {
      const { timestamp: _t, etag: _e, ...rest } = row as Record<string, unknown>;
      rows.push(`${name} ${JSON.stringify(rest)}`);
    }
  }
  return rows.sort();
}
