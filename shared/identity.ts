/**
 * The managed identity's credential, one per client id and process (it caches its tokens). Loaded
 * on first use: only Azure deployments need it, and importing @azure/identity costs a cold start
 * about a quarter of a second.
 */
import type { TokenCredential } from "@azure/identity";

const credentials = new Map<string, Promise<TokenCredential>>();

export function managedIdentityCredential(clientId: string | undefined): Promise<TokenCredential> {
  const key = clientId ?? "";
  let credential = credentials.get(key);
  if (credential === undefined) {
    credential = import("@azure/identity").then(
      ({ DefaultAzureCredential }) =>
        new DefaultAzureCredential(clientId === undefined ? {} : { managedIdentityClientId: clientId }),
    );
    credentials.set(key, credential);
  }
  return credential;
}
