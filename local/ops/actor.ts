/**
 * Who runs an operator action, and the audit line each action leaves: one JSON line on stderr with
 * the OS user and, when Service Bus is reached with an Entra ID identity, who that identity is.
 */
import { userInfo } from "node:os";

import type { TokenCredential } from "@azure/identity";
import { decodeJwt } from "jose";

export interface Actor {
  readonly osUser: string;
  /** The signed-in identity (user principal name, or an app's id), when there is one. */
  readonly identity?: string;
}

const SERVICE_BUS_SCOPE = "https://servicebus.azure.net/.default";

/** The OS user, and the identity a credential signs in as (no identity if it cannot sign in). */
export async function whoRunsIt(credential?: TokenCredential): Promise<Actor> {
  const osUser = safeUserName();
  if (credential === undefined) return { osUser };
  try {
    const token = await credential.getToken(SERVICE_BUS_SCOPE);
    if (token === null) return { osUser };
    const claims = decodeJwt(token.token);
    const name = [claims.upn, claims.preferred_username, claims.unique_name, claims.appid, claims.oid].find(
      (claim): claim is string => typeof claim === "string" && claim !== "",
    );
    return name === undefined ? { osUser } : { osUser, identity: name };
  } catch {
    return { osUser };
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

export type AuditLog = (action: string, details: Readonly<Record<string, unknown>>) => void;

/** Writes one JSON line per action: when, who, what, on what. */
export function auditLog(actor: Actor, write: (line: string) => void): AuditLog {
  return (action, details) => {
    write(`${JSON.stringify({ at: new Date().toISOString(), actor, action, ...details })}\n`);
  };
}
