/** Helpers for the end-to-end tests: raw HTTP as each kind of caller proves itself, polling, and port checks. */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { mintCustomerToken } from "../../local/identity/index.js";
import type { HostLogEntry } from "../../local/host/index.js";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "../../local/stack.js";
import { signRequest } from "../../shared/auth/signing.js";
import { partnerKeyIssuedSchema } from "../../shared/http/views.js";
import { createTableStore, type TableStore } from "../../shared/storage/index.js";

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface SigningKey {
  readonly keyId: string;
  readonly secret: string;
}

/** Who calls: a signing key (operator or partner), a customer's bearer token, or nobody at all. */
export type Caller = SigningKey | { readonly token: string } | "nobody";

/**
 * A request as a portal sends it: signed under the caller's key (method, path and query,
 * Idempotency-Key and body) or carrying its token; POST with an Idempotency-Key (fresh unless given).
 */
export async function call(
  baseUrl: string,
  as: Caller,
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  body?: unknown,
  idempotencyKey: string = randomUUID(),
): Promise<Answer> {
  const url = new URL(path, baseUrl);
  const raw = body === undefined ? "" : JSON.stringify(body);
  const key = method === "POST" ? idempotencyKey : undefined;
  const proof =
    as === "nobody"
      ? {}
      : "token" in as
        ? { authorization: `Bearer ${as.token}` }
        : signRequest({
            keyId: as.keyId,
            secret: as.secret,
            method,
            pathAndQuery: `${url.pathname}${url.search}`,
            idempotencyKey: key,
            body: raw,
          });
  const headers: Record<string, string> = {
    ...proof,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    ...(key === undefined ? {} : { "idempotency-key": key }),
  };
  const response = await fetch(url, {
    method,
    headers,
    ...(raw === "" ? {} : { body: raw }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** The stack's operator key, as a caller signs with it. */
export function operatorOf(stack: LocalStack): SigningKey {
  return { keyId: stack.operatorKey.id, secret: stack.operatorKey.secret };
}

/** The operator issues the (existing) partner a key, as its portal would be given one. */
export async function issuePartnerKey(
  baseUrl: string,
  operator: SigningKey,
  partnerId: string,
): Promise<SigningKey> {
  const answer = await call(baseUrl, operator, "POST", `admin/partners/${partnerId}/keys`);
  if (answer.status !== 201)
    throw new Error(`issuing ${partnerId} a key answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const issued = partnerKeyIssuedSchema.parse(answer.body);
  return { keyId: issued.keyId, secret: issued.secret };
}

/** A Global Administrator's token of the customer's tenant, from the stack's identity provider. */
export async function customerTokenFor(stack: LocalStack, customerId: string): Promise<{ token: string }> {
  return {
    token: await mintCustomerToken({
      customerId,
      stateDir: stack.identity.stateDir,
      issuerBase: stack.identity.url,
      audience: stack.identity.audience,
    }),
  };
}

/** A folder for a stack's development keys and identity key, so no test writes the checkout's .local/. */
export async function tempStateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "csp-e2e-state-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The whole local stack as `npm start` runs it, on a free port, with a state folder of its own and
 * no local.settings.json (settings from `options.env` only: none means live mode against its own
 * local Partner Center; `startHost` and `queues` as startLocalStack takes them); `close` stops it and removes the folder.
 */
export async function startTestStack(
  log: (entry: HostLogEntry) => void = () => undefined,
  options: Pick<LocalStackOptions, "env" | "startHost" | "queues"> = {},
): Promise<{ stack: LocalStack; stateDir: string; close: () => Promise<void> }> {
  const state = await tempStateDir();
  const stack = await startLocalStack({
    env: {},
    ...options,
    port: 0,
    localSettingsPath: false,
    log,
    stateDir: state.dir,
  });
  return {
    stack,
    stateDir: state.dir,
    close: async () => {
      await stack.close();
      await state.remove();
    },
  };
}

/** Polls a GET until `done` holds for its body; fails with the last body when it never does. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Still waiting after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until every queue of the stack's emulator is empty: each message sent so far received,
 * handled and completed (a message counts as active while a function holds it). What a test waits
 * on before it says that something changed nothing.
 */
export async function queuesWorkedOff(stack: LocalStack): Promise<void> {
  const { serviceBus } = stack;
  if (serviceBus.kind !== "started") throw new Error("the stack runs against an external Service Bus");
  await waitFor(
    () => Promise.resolve(serviceBus.stats().entities),
    (entities) => Object.values(entities).every((counts) => counts.active === 0),
    { intervalMs: 20 },
  );
}

/** The tables of a stack that started its own Azurite, as the app reaches them. */
export function stackTables(stack: LocalStack): TableStore {
  if (stack.tables.kind !== "started") throw new Error("the stack runs against external tables");
  return createTableStore({
    connection: { kind: "connection-string", connectionString: stack.tables.connectionString },
  });
}

/** Resolves "refused" when nothing listens on the port, "open" when something does. */
export function probePort(port: number, host = "127.0.0.1"): Promise<"open" | "refused"> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") resolve("refused");
      else reject(error);
    });
  });
}

/** Whole-day ISO times relative to now, as the API takes them. */
export function daysFromNow(days: number): string {
  const DAY_MS = 86_400_000;
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return new Date(today + days * DAY_MS).toISOString();
}
