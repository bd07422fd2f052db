/**
 * Vitest global setup: one in-memory Azurite Table service for the whole run, on a free port. Tests
 * get its connection string with `inject("tablesConnection")` (see tables.ts) and isolate themselves
 * with a table prefix of their own.
 */
import type { TestProject } from "vitest/node";

import { startAzurite } from "../../local/azurite.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite({ inMemory: true, silent: true });
  project.provide("tablesConnection", azurite.connectionString);
  return () => azurite.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the run's Azurite Table service. */
    tablesConnection: string;
  }
}
