/**
 * The local stack's own development keys: an operator key and a partner-key master, generated on
 * first use and kept in `.local/dev-keys.json` (git-ignored, mode 0600), so `npm start`, `npm run
 * demo` and a persisted Azurite agree across runs. They sign requests to this machine only; in Azure
 * both come from Key Vault.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { localStateDir } from "./appLocation.js";

const keySchema = z.strictObject({ id: z.string().min(1), secret: z.string().min(32) });
const devKeysSchema = z.strictObject({ operatorKey: keySchema, partnerKeyMaster: keySchema });
export type DevKeys = z.infer<typeof devKeysSchema>;

export const DEV_KEYS_FILE = "dev-keys.json";

export async function loadOrCreateDevKeys(stateDir: string = localStateDir()): Promise<DevKeys> {
  const file = path.join(stateDir, DEV_KEYS_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== undefined) {
    const parsed = devKeysSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(`${file} is not a development keys file; delete it to make new keys`);
    return parsed.data;
  }
  const keys: DevKeys = {
    operatorKey: { id: "local-operator", secret: randomBytes(32).toString("base64url") },
    partnerKeyMaster: { id: "local-v1", secret: randomBytes(32).toString("base64url") },
  };
  await mkdir(stateDir, { recursive: true });
  // "wx": two processes starting at once must not each write keys of their own.
  try {
    await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreateDevKeys(stateDir);
    throw error;
  }
  return keys;
}

/** As a setting holds it: `id:secret`. */
export function keySetting(key: { id: string; secret: string }): string {
  return `${key.id}:${key.secret}`;
}
