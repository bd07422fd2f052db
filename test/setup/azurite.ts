/**
 * Vitest global setup: one in-memory Azurite Table service for the whole run, on a free port, and
 * one development identity provider for customers' tokens. Tests get their addresses with `inject`
 * (see tables.ts and callers.ts) and isolate themselves with a table prefix of their own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { TestProject } from "vitest/node";

import { startAzurite } from "../../local/azurite.js";
import { startDevIdentityProvider } from "../../local/identity/index.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite({ inMemory: true, silent: true });
  const stateDir = await mkdtemp(join(tmpdir(), "csp-idp-"));
  const identity = await startDevIdentityProvider({ port: 0, stateDir });
  // Whatever a test starts without naming a folder keeps its keys here, never in the checkout's .local/.
  process.env.LOCAL_STATE_DIR = stateDir;
  project.provide("tablesConnection", azurite.connectionString);
  project.provide("identityIssuer", identity.issuerTemplate);
  project.provide("identityBase", identity.url);
  project.provide("identityStateDir", stateDir);
  return async () => {
    await identity.close();
    await azurite.close();
    await rm(stateDir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the run's Azurite Table service. */
    tablesConnection: string;
    /** TRUSTED_TOKEN_ISSUERS for the run's identity provider. */
    identityIssuer: string;
    /** Its base URL, and the folder its signing key is kept in. */
    identityBase: string;
    identityStateDir: string;
  }
}
