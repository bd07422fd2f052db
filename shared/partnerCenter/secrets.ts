/**
 * Where partners' Partner Center secrets are read: Key Vault in Azure (KEY_VAULT_URI, the managed
 * identity, which holds Key Vault Secrets User), or locally a JSON file of name → value
 * (PARTNER_CENTER_SECRETS_FILE) that the local stack writes. Read each time a token is exchanged,
 * so a rotated refresh token is picked up without a restart.
 */
import { readFile } from "node:fs/promises";

import { z } from "zod";

import type { Config } from "../config.js";
import { managedIdentityCredential } from "../identity.js";

export type SecretReader = (name: string) => Promise<string | undefined>;

const secretsFileSchema = z.record(z.string(), z.string());

export function secretReaderFor(
  config: Pick<Config, "KEY_VAULT_URI" | "PARTNER_CENTER_SECRETS_FILE" | "AZURE_CLIENT_ID">,
): SecretReader {
  const file = config.PARTNER_CENTER_SECRETS_FILE;
  if (file !== undefined) {
    return async (name) => secretsFileSchema.parse(JSON.parse(await readFile(file, "utf8")))[name];
  }
  const vault = config.KEY_VAULT_URI;
  if (vault === undefined) {
    return () =>
      Promise.reject(new Error("Set KEY_VAULT_URI (or, locally, PARTNER_CENTER_SECRETS_FILE) for live mode"));
  }
  const client = (async () => {
    const { SecretClient } = await import("@azure/keyvault-secrets");
    return new SecretClient(vault, await managedIdentityCredential(config.AZURE_CLIENT_ID));
  })();
  return async (name) => (await (await client).getSecret(name)).value;
}
