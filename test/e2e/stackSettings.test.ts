/** What the stack starts and which settings it hands the host, decided from the environment. */
import { describe, expect, it } from "vitest";

import { keySetting, type DevKeys } from "../../local/devKeys.js";
import { planStack, wireSettings, type LocalIdentity } from "../../local/stackSettings.js";
import { ConfigError } from "../../shared/config.js";

const AZURE_TABLES =
  "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=a2V5;EndpointSuffix=core.windows.net";
const DEV_KEYS: DevKeys = {
  operatorKey: { id: "local-operator", secret: "a-local-operator-secret-of-32-characters" },
  partnerKeyMaster: { id: "local-v1", secret: "a-local-partner-key-master-of-32-characters" },
};
const IDENTITY: LocalIdentity = {
  issuerTemplate: "http://127.0.0.1:7073/{tenantid}/v2.0",
  audience: "api://csp-onboarding-local",
};
const plan = (source: Record<string, string>) => planStack(source, DEV_KEYS, IDENTITY);

describe("planStack", () => {
  it("starts both services on an empty environment, with the development keys, the local identity provider and the app's defaults", () => {
    expect(plan({ PATH: "/usr/bin" })).toEqual({
      startTables: true,
      startServiceBus: true,
      startPartnerCenter: true,
      operatorKey: DEV_KEYS.operatorKey,
      ownOperatorKey: true,
      settings: {
        OPERATOR_KEYS: keySetting(DEV_KEYS.operatorKey),
        PARTNER_KEY_MASTER: keySetting(DEV_KEYS.partnerKeyMaster),
        CUSTOMER_TOKEN_AUDIENCE: IDENTITY.audience,
        TRUSTED_TOKEN_ISSUERS: IDENTITY.issuerTemplate,
        // A local stack delivers webhooks to receivers on this machine.
        WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
        INVITATION_TTL_DAYS: "90",
        SWEEP_SCHEDULE: "0 0 2 * * *",
      },
    });
  });

  it.each([
    [{ TABLES_CONNECTION: AZURE_TABLES }, { startTables: false, startServiceBus: true }],
    [
      { TABLES_ENDPOINT: "https://prod.table.core.windows.net" },
      { startTables: false, startServiceBus: true },
    ],
    [
      {
        ServiceBusConnection:
          "Endpoint=sb://prod.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s",
      },
      { startTables: true, startServiceBus: false },
    ],
    [
      { ServiceBusConnection__fullyQualifiedNamespace: "prod.servicebus.windows.net" },
      { startTables: true, startServiceBus: false },
    ],
    [{ TABLES_CONNECTION: "  " }, { startTables: true, startServiceBus: true }],
    [{ PARTNER_CENTER_MODE: "records" }, { startPartnerCenter: false }],
    [{ PARTNER_CENTER_ENDPOINT: "https://api.partnercenter.microsoft.com" }, { startPartnerCenter: false }],
  ])("does not start a service whose connection is set: %o", (env, expected) => {
    expect(plan(env)).toMatchObject(expected);
  });

  it("passes the app's settings through and signs with the first configured operator key", () => {
    const operatorKeys =
      " new-operator:a-new-operator-secret-0123456789abcdef , old-operator:an-old-operator-secret-0123456789abc";
    const planned = plan({
      TABLES_CONNECTION: AZURE_TABLES,
      TABLES_PREFIX: "dev1",
      OPERATOR_KEYS: operatorKeys,
      PARTNER_KEY_MASTER: "v2:a-given-partner-key-master-0123456789abc",
      CUSTOMER_TOKEN_AUDIENCE: "api://csp-onboarding-dev",
      TRUSTED_TOKEN_ISSUERS: "https://login.microsoftonline.com/{tenantid}/v2.0",
      INVITATION_TTL_DAYS: "7",
      SWEEP_SCHEDULE: "0 30 1 * * *",
      HOME: "/root",
    });
    expect(planned.operatorKey).toEqual({
      id: "new-operator",
      secret: "a-new-operator-secret-0123456789abcdef",
    });
    expect(planned.ownOperatorKey).toBe(false);
    expect(planned.settings).toEqual({
      TABLES_CONNECTION: AZURE_TABLES,
      TABLES_PREFIX: "dev1",
      OPERATOR_KEYS: operatorKeys,
      PARTNER_KEY_MASTER: "v2:a-given-partner-key-master-0123456789abc",
      CUSTOMER_TOKEN_AUDIENCE: "api://csp-onboarding-dev",
      TRUSTED_TOKEN_ISSUERS: "https://login.microsoftonline.com/{tenantid}/v2.0",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      INVITATION_TTL_DAYS: "7",
      SWEEP_SCHEDULE: "0 30 1 * * *",
    });
  });

  it("refuses bad settings before anything starts, naming each", () => {
    let caught: unknown;
    try {
      plan({ OPERATOR_KEYS: "operator:short", PARTNER_KEY_MASTER: "no-colon", SWEEP_SCHEDULE: "0 2 * * *" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join("\n");
    expect(problems).toContain("OPERATOR_KEYS");
    expect(problems).toContain("PARTNER_KEY_MASTER");
    expect(problems).toContain("SWEEP_SCHEDULE");
    expect(problems).not.toContain("TABLES_CONNECTION");
  });
});

const LOCAL_PARTNER_CENTER = {
  url: "http://127.0.0.1:3",
  subject: "local.partnercenter.test",
  secretsFile: "/tmp/secrets.json",
};

describe("wireSettings", () => {
  it("adds the connections of the services the stack started, and points live mode at the local Partner Center", () => {
    expect(
      wireSettings(plan({}), {
        tablesConnection: "TableEndpoint=http://127.0.0.1:1/x;",
        serviceBusConnection: "Endpoint=sb://127.0.0.1:2;",
        partnerCenter: LOCAL_PARTNER_CENTER,
      }),
    ).toMatchObject({
      TABLES_CONNECTION: "TableEndpoint=http://127.0.0.1:1/x;",
      ServiceBusConnection: "Endpoint=sb://127.0.0.1:2;",
      PARTNER_CENTER_MODE: "live",
      PARTNER_CENTER_ENDPOINT: "http://127.0.0.1:3",
      GRAPH_ENDPOINT: "http://127.0.0.1:3",
      PARTNER_CENTER_TOKEN_ENDPOINT: "http://127.0.0.1:3/{tenantid}/oauth2/v2.0/token",
      PARTNER_CENTER_CERTIFICATE_ORIGINS: "http://127.0.0.1:3",
      PARTNER_CENTER_CERTIFICATE_SUBJECT: "local.partnercenter.test",
      PARTNER_CENTER_SECRETS_FILE: "/tmp/secrets.json",
    });
  });

  it("leaves Partner Center alone when told records mode", () => {
    const wired = wireSettings(plan({ PARTNER_CENTER_MODE: "records" }), {
      tablesConnection: "TableEndpoint=http://127.0.0.1:1/x;",
      serviceBusConnection: "Endpoint=sb://127.0.0.1:2;",
    });
    expect(wired.PARTNER_CENTER_MODE).toBe("records");
    expect(wired.PARTNER_CENTER_ENDPOINT).toBeUndefined();
  });

  it("keeps an external connection as it was given", () => {
    const planned = plan({ TABLES_CONNECTION: AZURE_TABLES });
    expect(
      wireSettings(planned, {
        serviceBusConnection: "Endpoint=sb://127.0.0.1:2;",
        partnerCenter: LOCAL_PARTNER_CENTER,
      }).TABLES_CONNECTION,
    ).toBe(AZURE_TABLES);
  });

  it("refuses a plan whose service was not started", () => {
    expect(() => wireSettings(plan({}), { tablesConnection: "TableEndpoint=x;" })).toThrow(
      /Service Bus emulator/,
    );
    expect(() =>
      wireSettings(plan({}), {
        tablesConnection: "TableEndpoint=x;",
        serviceBusConnection: "Endpoint=sb://x;",
      }),
    ).toThrow(/local Partner Center/);
  });
});
