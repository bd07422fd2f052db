/**
 * One copy-paste shell command that signs a request the way a portal must (API.md "Signed
 * webhooks"): the timestamp and the HMAC are computed by the shell when it is pasted, so it works
 * at any time, not only within five minutes of being printed. POSIX sh, curl and openssl.
 */

/** The example request: PUT a partner (a reference-data route, answered synchronously). */
export const EXAMPLE_PARTNER_ID = "contoso-csp";
export const EXAMPLE_PARTNER_BODY = JSON.stringify({
  name: "Contoso CSP",
  region: "US",
  cloud: "public",
  kind: "direct",
});

/** Quotes a value for a POSIX shell: inside single quotes nothing is special but the quote itself. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function signedCurlCommand(input: { readonly baseUrl: string; readonly secret: string }): string {
  const url = new URL(`partners/${EXAMPLE_PARTNER_ID}`, input.baseUrl).href;
  return [
    `BODY=${shellQuote(EXAMPLE_PARTNER_BODY)}`,
    `TS=$(date +%s)`,
    // `-r` prints "<hex> *stdin" in OpenSSL and LibreSSL alike.
    `SIG=$(printf '%s' "$TS.$BODY" | openssl dgst -sha256 -hmac ${shellQuote(input.secret)} -r | cut -d' ' -f1)`,
    `curl -sS -i -X PUT ${shellQuote(url)} -H 'Content-Type: application/json' -H "X-Timestamp: $TS" -H "X-Signature: sha256=$SIG" --data-raw "$BODY"`,
  ].join("; ");
}
