/**
 * The provider's one signing key and last base URL, in a JSON file of the checkout, so the token
 * command and the running provider agree without talking to each other. Whichever needs the file
 * first creates it (atomically, mode 0600); everyone else reuses it.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import { z } from "zod";

import { errorMessage } from "../../shared/errors.js";
import { localStateDir } from "../appLocation.js";

export const STATE_FILE_NAME = "identity-provider.json";

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

const stateSchema = z.strictObject({
  version: z.literal(1),
  kid: z.string().min(1),
  privateJwk: z.strictObject({
    kty: z.literal("RSA"),
    n: base64url,
    e: base64url,
    d: base64url,
    p: base64url,
    q: base64url,
    dp: base64url,
    dq: base64url,
    qi: base64url,
  }),
  createdAt: z.iso.datetime(),
  /** Where the provider listened the last time it ran; tokens default to it. */
  issuerBase: z
    .string()
    .regex(/^http:\/\/127\.0\.0\.1:\d{1,5}$/, "must be http://127.0.0.1:<port>")
    .optional(),
});
type StoredState = z.infer<typeof stateSchema>;

/** jose's own key type (a WebCrypto CryptoKey, which Node's types do not declare globally). */
type PrivateKey = Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;

export interface SigningState {
  readonly file: string;
  readonly kid: string;
  readonly privateKey: PrivateKey;
  /** The public half only (`kty`, `n`, `e`), for the JWKS. */
  readonly publicJwk: JWK;
  readonly issuerBase: string | undefined;
}

export function stateFile(stateDir: string = localStateDir()): string {
  return path.join(stateDir, STATE_FILE_NAME);
}

/** The checkout's signing state, created on first use. */
export async function loadOrCreateSigningState(stateDir?: string): Promise<SigningState> {
  const file = stateFile(stateDir);
  const existing = await readState(file);
  if (existing !== undefined) return toSigningState(file, existing);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // A concurrent first use may win the race; then its key is the one everybody uses.
  await createExclusively(file, await newState());
  const created = await readState(file);
  if (created === undefined) throw new Error(`${file} vanished right after it was created`);
  return toSigningState(file, created);
}

/** Records where the provider listens, keeping the key. */
export async function recordIssuerBase(stateDir: string | undefined, issuerBase: string): Promise<void> {
  const file = stateFile(stateDir);
  const state = await readState(file);
  if (state === undefined)
    throw new Error(`${file} is missing: create it with loadOrCreateSigningState first`);
  if (state.issuerBase === issuerBase) return;
  await replaceFile(file, serialise({ ...state, issuerBase }));
}

async function newState(): Promise<StoredState> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const privateJwk = stateSchema.shape.privateJwk.parse(jwk);
  return {
    version: 1,
    kid: await calculateJwkThumbprint(publicHalf(privateJwk)),
    privateJwk,
    createdAt: new Date().toISOString(),
  };
}

/** The parsed file, or undefined when there is none; anything unreadable is named as corrupt. */
async function readState(file: string): Promise<StoredState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `not JSON (${errorMessage(error)})`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw corrupt(file, issues.join("; "));
  }
  return parsed.data;
}

async function toSigningState(file: string, state: StoredState): Promise<SigningState> {
  const publicJwk = publicHalf(state.privateJwk);
  try {
    const privateKey = await importJWK(state.privateJwk, "RS256");
    if (privateKey instanceof Uint8Array) throw new Error("not an RSA key");
    await proveKeyPair(privateKey, publicJwk);
    return { file, kid: state.kid, privateKey, publicJwk, issuerBase: state.issuerBase };
  } catch (error) {
    throw corrupt(file, `its key pair does not sign and verify (${errorMessage(error)})`);
  }
}

/** A key whose halves disagree would sign tokens nothing verifies; better to fail here, naming the file. */
async function proveKeyPair(privateKey: PrivateKey, publicJwk: JWK): Promise<void> {
  const probe = await new CompactSign(new TextEncoder().encode("probe"))
    .setProtectedHeader({ alg: "RS256" })
    .sign(privateKey);
  await compactVerify(probe, await importJWK(publicJwk, "RS256"));
}

function publicHalf(privateJwk: StoredState["privateJwk"]): JWK {
  return { kty: privateJwk.kty, n: privateJwk.n, e: privateJwk.e };
}

function corrupt(file: string, reason: string): Error {
  return new Error(
    `The development identity provider's state file ${file} is corrupt: ${reason}. ` +
      `Delete it (tokens signed with it stop verifying) and a new key is made on next use.`,
  );
}

function serialise(state: StoredState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Writes a temporary file and links it into place: the file appears whole or not at all, never twice. */
async function createExclusively(file: string, state: StoredState): Promise<void> {
  const temporary = await writeTemporary(file, serialise(state));
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function replaceFile(file: string, text: string): Promise<void> {
  const temporary = await writeTemporary(file, text);
  try {
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function writeTemporary(file: string, text: string): Promise<string> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
  return temporary;
}
