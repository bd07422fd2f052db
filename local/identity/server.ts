/**
 * The provider's HTTP side: Entra ID's OpenID discovery document and signing keys for any tenant,
 * on 127.0.0.1 only, so nothing off this machine can fetch them.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { PROBLEM_CONTENT_TYPE } from "../../shared/http/problem.js";
import {
  DEV_IDENTITY_PROVIDER_PORT,
  isTenantId,
  issuerTemplate,
  issuerUrl,
  jwksUrl,
  loopbackBase,
} from "./issuerUrls.js";
import { loadOrCreateSigningState, recordIssuerBase, type SigningState } from "./signingState.js";

export interface DevIdentityProvider {
  /** The base URL, e.g. http://127.0.0.1:7073. */
  readonly url: string;
  /** e.g. http://127.0.0.1:7073/{tenantid}/v2.0: what TRUSTED_TOKEN_ISSUERS should hold. */
  readonly issuerTemplate: string;
  close(): Promise<void>;
}

const HOST = "127.0.0.1";
const DISCOVERY_PATH = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const KEYS_PATH = /^\/([^/]+)\/discovery\/v2\.0\/keys$/;

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export async function startDevIdentityProvider(
  options: { port?: number; stateDir?: string } = {},
): Promise<DevIdentityProvider> {
  const state = await loadOrCreateSigningState(options.stateDir);
  let base = "";
  const server = http.createServer((request, response) => {
    request.resume();
    send(response, answer(request, base, state));
  });
  const port = await listen(server, options.port ?? DEV_IDENTITY_PROVIDER_PORT);
  base = loopbackBase(port);
  const closed = new Promise<void>((resolve) => server.once("close", resolve));
  try {
    await recordIssuerBase(options.stateDir, base);
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    url: base,
    issuerTemplate: issuerTemplate(base),
    close: async () => {
      server.close();
      // jose's key fetches keep connections alive; they must not hold the close up.
      server.closeAllConnections();
      await closed;
    },
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      const hint = error.code === "EADDRINUSE" ? " (in use: is another provider running?)" : "";
      reject(
        new Error(`The development identity provider cannot listen on ${HOST}:${port}${hint}`, {
          cause: error,
        }),
      );
    };
    server.once("error", fail);
    server.listen(port, HOST, () => {
      server.off("error", fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function answer(request: IncomingMessage, base: string, state: SigningState): Reply {
  // Split, not parsed: a request target URL cannot parse must get a 404, not throw.
  const pathname = (request.url ?? "/").split("?")[0] ?? "/";
  if (request.method === "GET" || request.method === "HEAD") {
    const discovery = DISCOVERY_PATH.exec(pathname)?.[1];
    if (discovery !== undefined && isTenantId(discovery)) return json(discoveryDocument(base, discovery));
    const keys = KEYS_PATH.exec(pathname)?.[1];
    if (keys !== undefined && isTenantId(keys)) return json(keySet(state));
  }
  return {
    status: 404,
    contentType: PROBLEM_CONTENT_TYPE,
    body: {
      type: "urn:csp-onboarding:problem:not-found",
      title: "No such resource",
      status: 404,
      detail:
        `The development identity provider serves only GET /{tenantid}/v2.0/.well-known/openid-configuration ` +
        `and GET /{tenantid}/discovery/v2.0/keys (tenant ids: 1–100 letters, digits, '.', '-', '_').`,
    },
  };
}

/** The fields of Entra's v2 discovery document that token validation reads. */
function discoveryDocument(base: string, tenantId: string): Record<string, unknown> {
  return {
    issuer: issuerUrl(base, tenantId),
    jwks_uri: jwksUrl(base, tenantId),
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    subject_types_supported: ["pairwise"],
    claims_supported: [
      "iss",
      "aud",
      "tid",
      "oid",
      "preferred_username",
      "name",
      "wids",
      "ver",
      "iat",
      "nbf",
      "exp",
    ],
  };
}

function keySet(state: SigningState): Record<string, unknown> {
  return { keys: [{ ...state.publicJwk, kid: state.kid, use: "sig", alg: "RS256" }] };
}

function json(body: unknown): Reply {
  return { status: 200, contentType: "application/json; charset=utf-8", body };
}

function send(response: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    "content-type": reply.contentType,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(response.req.method === "HEAD" ? undefined : text);
}
