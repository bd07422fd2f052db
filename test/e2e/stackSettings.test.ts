/** What the stack starts and which settings it hands the host, decided from the environment. */
import { describe, expect, it } from "vitest";

import { DEV_WEBHOOK_SECRET, planStack, wireSettings } from "../../local/stackSettings.js";
import { ConfigError } from "../../shared/config.js";

const AZURE_TABLES =
  "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=a2V5;EndpointSuffix=core.windows.net";

describe("planStack", () => {
  it("starts both services on an empty environment, with the development secret and the app's defaults", () => {
    expect(planStack({ PATH: "/usr/bin" })).toEqual({
      startTables: true,
      startServiceBus: true,
      webhookSecret: DEV_WEBHOOK_SECRET,
      settings: {
        WEBHOOK_SECRETS: DEV_WEBHOOK_SECRET,
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
  ])("does not start a service whose connection is set: %o", (env, expected) => {
    expect(planStack(env)).toMatchObject(expected);
  });

  it("passes the app's settings through and signs with the first configured secret", () => {
    const plan = planStack({
      TABLES_CONNECTION: AZURE_TABLES,
      TABLES_PREFIX: "dev1",
      WEBHOOK_SECRETS: " new-secret-0123456789 , old-secret-0123456789",
      INVITATION_TTL_DAYS: "7",
      SWEEP_SCHEDULE: "0 30 1 * * *",
      HOME: "/root",
    });
    expect(plan.webhookSecret).toBe("new-secret-0123456789");
    expect(plan.settings).toEqual({
      TABLES_CONNECTION: AZURE_TABLES,
      TABLES_PREFIX: "dev1",
      WEBHOOK_SECRETS: " new-secret-0123456789 , old-secret-0123456789",
      INVITATION_TTL_DAYS: "7",
      SWEEP_SCHEDULE: "0 30 1 * * *",
    });
  });

  it("refuses bad settings before anything starts, naming each", () => {
    let caught: unknown;
    try {
      planStack({ WEBHOOK_SECRETS: "short", SWEEP_SCHEDULE: "0 2 * * *" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join("\n");
    expect(problems).toContain("WEBHOOK_SECRETS");
    expect(problems).toContain("SWEEP_SCHEDULE");
    expect(problems).not.toContain("TABLES_CONNECTION");
  });
});

describe("wireSettings", () => {
  it("adds the connections of the services the stack started", () => {
    const plan = planStack({});
    expect(
      wireSettings(plan, {
        tablesConnection: "TableEndpoint=http://127.0.0.1:1/x;",
        serviceBusConnection: "Endpoint=sb://127.0.0.1:2;",
      }),
    ).toMatchObject({
      TABLES_CONNECTION: "TableEndpoint=http://127.0.0.1:1/x;",
      ServiceBusConnection: "Endpoint=sb://127.0.0.1:2;",
    });
  });

  it("keeps an external connection as it was given", () => {
    const plan = planStack({ TABLES_CONNECTION: AZURE_TABLES });
    expect(wireSettings(plan, { serviceBusConnection: "Endpoint=sb://127.0.0.1:2;" }).TABLES_CONNECTION).toBe(
      AZURE_TABLES,
    );
  });

  it("refuses a plan whose service was not started", () => {
    expect(() => wireSettings(planStack({}), { tablesConnection: "TableEndpoint=x;" })).toThrow(
      /Service Bus emulator/,
    );
  });
});
