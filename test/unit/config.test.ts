import { describe, expect, it } from "vitest";

import { ConfigError, loadConfig } from "../../shared/config.js";

const valid = {
  TABLES_CONNECTION: "UseDevelopmentStorage=true",
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;",
  WEBHOOK_SECRETS: "a-development-secret-0001, another-secret-of-length",
};

describe("config", () => {
  it("reads valid settings and applies defaults", () => {
    const config = loadConfig(valid);
    expect(config.WEBHOOK_SECRETS).toEqual(["a-development-secret-0001", "another-secret-of-length"]);
    expect(config.INVITATION_TTL_DAYS).toBe(90);
    expect(config.SWEEP_SCHEDULE).toBe("0 0 2 * * *");
  });

  it("names every missing or malformed setting at once", () => {
    try {
      loadConfig({ INVITATION_TTL_DAYS: "soon", SWEEP_SCHEDULE: "0 2 * * *" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of [
        "WEBHOOK_SECRETS",
        "INVITATION_TTL_DAYS",
        "SWEEP_SCHEDULE",
        "TABLES_CONNECTION",
        "ServiceBusConnection",
      ]) {
        expect(message).toContain(name);
      }
    }
  });

  it("refuses an unresolved Key Vault reference as a webhook secret", () => {
    expect(() =>
      loadConfig({
        ...valid,
        WEBHOOK_SECRETS: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)",
      }),
    ).toThrow(/Key Vault reference did not resolve/);
  });
});
