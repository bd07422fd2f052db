/**
 * Shared Access Signature tokens as Service Bus checks them: HMAC-SHA256 over
 * `<url-encoded resource>\n<expiry>` with the named key.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The well-known key of the official Service Bus emulator (its documentation publishes it). */
export const EMULATOR_KEY_NAME = "RootManageSharedAccessKey";
export const EMULATOR_KEY = "SAS_KEY_VALUE";

export interface SharedAccessKey {
  readonly keyName: string;
  readonly key: string;
}

function sign(key: string, encodedResource: string, expiry: string): string {
  return createHmac("sha256", key).update(`${encodedResource}\n${expiry}`).digest("base64");
}

/** Creates a token as the SDK does (expiry in seconds since the epoch). */
export function createSasToken(
  credential: SharedAccessKey,
  resource: string,
  expiresAtSeconds: number,
): string {
  const encodedResource = encodeURIComponent(resource);
  const expiry = String(Math.floor(expiresAtSeconds));
  const signature = encodeURIComponent(sign(credential.key, encodedResource, expiry));
  return `SharedAccessSignature sr=${encodedResource}&sig=${signature}&se=${expiry}&skn=${encodeURIComponent(credential.keyName)}`;
}

export type SasVerdict =
  | { readonly valid: true; readonly resource: string; readonly expiresAt: number }
  | { readonly valid: false; readonly reason: string };

/** Checks a token's form, key name, signature and expiry (`now` in milliseconds). */
export function verifySasToken(token: string, credential: SharedAccessKey, now: number): SasVerdict {
  const prefix = "SharedAccessSignature ";
  if (!token.startsWith(prefix)) return { valid: false, reason: "not a SharedAccessSignature token" };
  const fields = new Map<string, string>();
  for (const pair of token.slice(prefix.length).split("&")) {
    const separator = pair.indexOf("=");
    if (separator > 0) fields.set(pair.slice(0, separator), pair.slice(separator + 1));
  }
  const encodedResource = fields.get("sr");
  const signature = fields.get("sig");
  const expiry = fields.get("se");
  const keyName = fields.get("skn");
  if (!encodedResource || !signature || !expiry || !keyName) {
    return { valid: false, reason: "the token must carry sr, sig, se and skn" };
  }
  let resource: string;
  let presented: Buffer;
  let name: string;
  try {
    resource = decodeURIComponent(encodedResource);
    presented = Buffer.from(decodeURIComponent(signature), "base64");
    name = decodeURIComponent(keyName);
  } catch {
    return { valid: false, reason: "the token is not URL-encoded correctly" };
  }
  if (name !== credential.keyName) return { valid: false, reason: `unknown key name '${name}'` };
  const expected = Buffer.from(sign(credential.key, encodedResource, expiry), "base64");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return { valid: false, reason: "the signature does not match the key" };
  }
  const expiresAt = Number(expiry) * 1000;
  if (!Number.isFinite(expiresAt)) return { valid: false, reason: "the expiry (se) is not a number" };
  if (expiresAt <= now) return { valid: false, reason: "the token has expired" };
  return { valid: true, resource, expiresAt };
}
