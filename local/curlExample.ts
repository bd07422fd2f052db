/**
 * Copy-paste shell commands that sign a request the way every caller must: the timestamp and the
 * HMAC of "<ts>\n<METHOD>\n<path and query>\n<Idempotency-Key>\n<body>" are computed by the shell
 * when it is pasted, so they work at any time, not only within five minutes of being printed.
 * POSIX sh, curl and openssl.
 */

/** The example partner: PUT by the operator, then given a key. */
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

export interface SignedCurl {
  readonly baseUrl: string;
  readonly keyId: string;
  readonly secret: string;
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** Relative to baseUrl, e.g. `partners/contoso-csp`. */
  readonly path: string;
  readonly body?: string;
  /** POSTs: a fresh one is made by the shell (`$(date +%s%N)`) unless given. */
  readonly idempotencyKey?: string;
}

export function signedCurlCommand(input: SignedCurl): string {
  const url = new URL(input.path, input.baseUrl);
  const body = input.body ?? "";
  const idempotency =
    input.method === "POST"
      ? input.idempotencyKey === undefined
        ? `"key-$(date +%s%N)"`
        : shellQuote(input.idempotencyKey)
      : "''";
  return [
    `KEY_ID=${shellQuote(input.keyId)}`,
    `SECRET=${shellQuote(input.secret)}`,
    `BODY=${shellQuote(body)}`,
    `IDEM=${idempotency}`,
    `TS=$(date +%s)`,
    // `-r` prints "<hex> *stdin" in OpenSSL and LibreSSL alike.
    `SIG=$(printf '%s\\n%s\\n%s\\n%s\\n%s' "$TS" ${input.method} ${shellQuote(`${url.pathname}${url.search}`)} "$IDEM" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)`,
    [
      `curl -sS -i -X ${input.method} ${shellQuote(url.href)}`,
      `-H "X-Key-Id: $KEY_ID" -H "X-Timestamp: $TS" -H "X-Signature: sha256=$SIG"`,
      ...(input.method === "POST" ? [`-H "Idempotency-Key: $IDEM"`] : []),
      ...(body === "" ? [] : [`-H 'Content-Type: application/json' --data-raw "$BODY"`]),
    ].join(" "),
  ].join("; ");
}
