/**
 * Claims-based security as Service Bus does it: a client puts a SAS token on `$cbs` for an audience
 * (an entity's address) before it attaches a link to that entity. Claims live per connection.
 */
import { z } from "zod";

import { addressPath, claimCovers } from "./addresses.js";
import { type SharedAccessKey, verifySasToken } from "./sas.js";

const SAS_TOKEN_TYPE = "servicebus.windows.net:sastoken";

const putTokenSchema = z.object({
  application_properties: z.object({
    operation: z.literal("put-token"),
    name: z.string().min(1),
    type: z.string(),
  }),
  body: z.string(),
});

export interface Claim {
  /** The audience's path (`queue`, `queue/$management`, or "" for the whole namespace). */
  readonly path: string;
  readonly expiresAt: number;
}

export interface PutTokenOutcome {
  readonly statusCode: number;
  readonly description: string;
  readonly claim?: Claim;
}

/** Answers one CBS request (a message rhea decoded) with Service Bus's status codes. */
export function putToken(request: unknown, credential: SharedAccessKey, now: number): PutTokenOutcome {
  const parsed = putTokenSchema.safeParse(request);
  if (!parsed.success) {
    return { statusCode: 400, description: "Expected a put-token request with name, type and a token body." };
  }
  const { name, type } = parsed.data.application_properties;
  if (type !== SAS_TOKEN_TYPE) {
    return {
      statusCode: 401,
      description: `Token type '${type}' is not supported: the emulator accepts SAS tokens only.`,
    };
  }
  const verdict = verifySasToken(parsed.data.body, credential, now);
  if (!verdict.valid) return { statusCode: 401, description: `Unauthorized: ${verdict.reason}.` };
  const audience = addressPath(name);
  if (!claimCovers(addressPath(verdict.resource), audience)) {
    return {
      statusCode: 401,
      description: `Unauthorized: the token is for '${verdict.resource}', which does not cover '${name}'.`,
    };
  }
  return {
    statusCode: 202,
    description: "Accepted",
    claim: { path: audience, expiresAt: verdict.expiresAt },
  };
}

/** The claims one connection holds. */
export class Claims {
  private claims: Claim[] = [];

  add(claim: Claim, now: number): void {
    // Clients renew their tokens: forget the expired ones.
    this.claims = this.claims.filter((held) => held.expiresAt > now);
    this.claims.push(claim);
  }

  allows(path: string, now: number): boolean {
    return this.claims.some((claim) => claim.expiresAt > now && claimCovers(claim.path, path));
  }
}
