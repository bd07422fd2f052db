/**
 * The entry point of the storage layer: one TableClient per table, created lazily, and each table
 * created on first use, once per process. Every repository function takes a TableStore, so tests
 * and benchmarks can point one at their own Azurite and prefix.
 */
import type { TableClient } from "@azure/data-tables";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

import { getConfig } from "../config.js";
import {
  connectionFromConfig,
  createTableClient,
  describeConnection,
  type TableConnection,
} from "./connection.js";
import { roundTripCountingPolicy, tableRoundTrips, type RoundTripCounter } from "./roundTrips.js";
import { physicalTableName, type TableName } from "./tableNames.js";

export interface TableStoreOptions {
  readonly connection: TableConnection;
  /** Prepended to every table name (TABLES_PREFIX); letters and digits. */
  readonly prefix?: string;
  /** Where round trips are counted; the process-wide counter by default. */
  readonly counter?: RoundTripCounter;
  /** More pipeline policies, run once per HTTP attempt (tests use one to inject faults). */
  readonly policies?: readonly PipelinePolicy[];
}

export class TableStore {
  readonly prefix: string;
  readonly counter: RoundTripCounter;
  /** Where the store points, without secrets: for error messages. */
  readonly location: string;
  private readonly clients = new Map<TableName, Promise<TableClient>>();

  constructor(private readonly options: TableStoreOptions) {
    this.prefix = options.prefix ?? "";
    this.counter = options.counter ?? tableRoundTrips();
    this.location = describeConnection(options.connection);
  }

  physicalName(table: TableName): string {
    return physicalTableName(this.prefix, table);
  }

  /** The client of a logical table; the table exists once the promise resolves. */
  table(table: TableName): Promise<TableClient> {
    let client = this.clients.get(table);
    if (client === undefined) {
      client = this.openTable(table);
      this.clients.set(table, client);
      // A failed creation (e.g. storage not up yet) is retried by the next caller.
      client.catch(() => this.clients.delete(table));
    }
    return client;
  }

  private async openTable(table: TableName): Promise<TableClient> {
    const name = this.physicalName(table);
    const client = await createTableClient(this.options.connection, name, [
      roundTripCountingPolicy(this.counter),
      ...(this.options.policies ?? []),
    ]);
    await ensureTableOnce(`${this.location}|${name}`, client);
    return client;
  }
}

/** Tables known to exist in this process, by endpoint and name: created at most once each. */
const createdTables = new Map<string, Promise<void>>();

function ensureTableOnce(key: string, client: TableClient): Promise<void> {
  let created = createdTables.get(key);
  if (created === undefined) {
    // createTable treats "already exists" as success.
    created = client.createTable();
    createdTables.set(key, created);
    created.catch(() => createdTables.delete(key));
  }
  return created;
}

export function createTableStore(options: TableStoreOptions): TableStore {
  return new TableStore(options);
}

let defaultStore: TableStore | undefined;

/** The process's store, from the settings (TABLES_CONNECTION or TABLES_ENDPOINT, TABLES_PREFIX). */
export function getTableStore(): TableStore {
  if (defaultStore === undefined) {
    const config = getConfig();
    defaultStore = new TableStore({ connection: connectionFromConfig(config), prefix: config.TABLES_PREFIX });
  }
  return defaultStore;
}

/** Forgets the process's store; for tests and the local host, which change the settings first. */
export function resetTableStoreForTests(): void {
  defaultStore = undefined;
}
