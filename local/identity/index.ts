/**
 * A development identity provider, written by hand because Entra ID cannot run locally: it serves
 * Entra's discovery document and keys on loopback, and mints customer tokens with the same key, so a
 * local stack (and only a local stack, through TRUSTED_TOKEN_ISSUERS) validates customer
 * administrators' tokens with no network and no cloud account.
 */
export { DEV_TOKEN_AUDIENCE, mintCustomerToken, type CustomerTokenOptions } from "./customerToken.js";
export { DEV_IDENTITY_PROVIDER_PORT } from "./issuerUrls.js";
export { startDevIdentityProvider, type DevIdentityProvider } from "./server.js";
