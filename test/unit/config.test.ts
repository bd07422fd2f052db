import { describe, expect, it } from "vitest";

import { ConfigError, ENTRA_ISSUER_TEMPLATE, loadConfig } from "../../shared/config.js";

const OPERATOR_SECRET = "an-operator-secret-of-32-characters-0001";
const valid = {
  TABLES_CONNECTION: "UseDevelopmentStorage=true",
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;",
  OPERATOR_KEYS: `ops-1:${OPERATOR_SECRET}, ops-2:another-operator-secret-of-32-characters`,
  PARTNER_KEY_MASTER: "v1:a-partner-key-master-of-32-characters-01",
  CUSTOMER_TOKEN_AUDIENCE: "api://csp-onboarding",
};

describe("config", () => {
  it("reads valid settings and applies defaults", () => {
    const config = loadConfig(valid);
    expect(config.OPERATOR_KEYS.map((key) => key.id)).toEqual(["ops-1", "ops-2"]);
    expect(config.OPERATOR_KEYS[0]?.secret).toBe(OPERATOR_SECRET);
    expect(config.PARTNER_KEY_MASTER).toEqual([
      { id: "v1", secret: "a-partner-key-master-of-32-characters-01" },
    ]);
    expect(config.TRUSTED_TOKEN_ISSUERS).toEqual([ENTRA_ISSUER_TEMPLATE]);
    expect(config.INVITATION_TTL_DAYS).toBe(90);
    expect(config.SWEEP_SCHEDULE).toBe("0 0 2 * * *");
    // Webhook deliveries: the README's retry schedule (test/unit/events/retries.test.ts) and time-out.
    expect(config.WEBHOOK_RETRY_BASE_SECONDS).toBe(170);
    expect(config.WEBHOOK_TIMEOUT_SECONDS).toBe(10);
    expect(config.WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe(false);
  });

  it("names every missing or malformed setting at once", () => {
    try {
      loadConfig({ INVITATION_TTL_DAYS: "soon", SWEEP_SCHEDULE: "0 2 * * *" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of [
        "OPERATOR_KEYS",
        "PARTNER_KEY_MASTER",
        "CUSTOMER_TOKEN_AUDIENCE",
        "INVITATION_TTL_DAYS",
        "SWEEP_SCHEDULE",
        "TABLES_CONNECTION",
        "ServiceBusConnection",
      ]) {
        expect(message).toContain(name);
      }
    }
  });

  it.each([
    ["a short secret", "ops:short", /at least 32 characters/],
    ["no id", `:${OPERATOR_SECRET}`, /<id>:<secret>/],
    ["a partner key's id", `pk_x:${OPERATOR_SECRET}`, /not starting with pk_/],
    ["an id twice", `a:${OPERATOR_SECRET},a:${OPERATOR_SECRET}`, /listed twice/],
    [
      "an unresolved Key Vault reference",
      "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)",
      /Key Vault reference did not resolve/,
    ],
  ])("refuses %s in OPERATOR_KEYS", (_what, value, message) => {
    expect(() => loadConfig({ ...valid, OPERATOR_KEYS: value })).toThrow(message);
  });

  it.each([
    [undefined, "P730D"],
    ["P90D", "P90D"],
    ["P1D", "P1D"],
  ])("DELEGATED_ADMIN_DURATION %s → %s", (raw, expected) => {
    expect(loadConfig({ ...valid, DELEGATED_ADMIN_DURATION: raw }).DELEGATED_ADMIN_DURATION).toBe(expected);
  });

  it.each(["P0D", "P731D", "P2Y", "730"])(
    "DELEGATED_ADMIN_DURATION %s is refused (Graph takes P1D to P730D)",
    (raw) => {
      expect(() => loadConfig({ ...valid, DELEGATED_ADMIN_DURATION: raw })).toThrow(
        /DELEGATED_ADMIN_DURATION/,
      );
    },
  );

  it.each([
    [undefined, false],
    ["false", false],
    ["true", true],
  ])("MIDTERM_LICENSE_TRANSFERS %s → %s", (raw, expected) => {
    expect(loadConfig({ ...valid, MIDTERM_LICENSE_TRANSFERS: raw }).MIDTERM_LICENSE_TRANSFERS).toBe(expected);
  });

  it("takes trusted issuers only as templates naming {tenantid}", () => {
    expect(() => loadConfig({ ...valid, TRUSTED_TOKEN_ISSUERS: "https://issuer.example/fixed" })).toThrow(
      /\{tenantid\}/,
    );
    expect(
      loadConfig({ ...valid, TRUSTED_TOKEN_ISSUERS: "http://127.0.0.1:7073/{tenantid}/v2.0" })
        .TRUSTED_TOKEN_ISSUERS,
    ).toEqual(["http://127.0.0.1:7073/{tenantid}/v2.0"]);
  });
});
