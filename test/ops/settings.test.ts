/**
 * What the ops CLI and telemetry read from the environment: only the settings a command uses, each
 * validated as the app validates it; where telemetry goes; the ids every log record carries.
 */
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { describe, expect, it } from "vitest";

import { ConfigError, loadConnectionSettings } from "../../shared/config.js";
import { addLogFields, logFieldsOf, withLogFields } from "../../shared/telemetry/logFields.js";
import { LogFieldsProcessor, telemetryDestination } from "../../shared/telemetry/start.js";

const SB =
  "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;";

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConnectionSettings", () => {
  it("needs only the services asked for: no keys, no token audience", () => {
    const settings = loadConnectionSettings({ ServiceBusConnection: SB }, ["serviceBus"]);
    expect(settings).toMatchObject({
      ServiceBusConnection: SB,
      SWEEP_SCHEDULE: "0 0 2 * * *",
      TABLES_PREFIX: "",
    });
  });

  it("names a missing connection of a service it needs, and a malformed setting", () => {
    expect(
      problemsOf(() => loadConnectionSettings({ ServiceBusConnection: SB }, ["serviceBus", "tables"])),
    ).toEqual([expect.stringMatching(/^TABLES_CONNECTION: set TABLES_CONNECTION/)]);
    expect(
      problemsOf(() => loadConnectionSettings({ ServiceBusConnection: "nonsense" }, ["serviceBus"])),
    ).toEqual([expect.stringMatching(/^ServiceBusConnection: must be a connection string/)]);
    expect(
      problemsOf(() =>
        loadConnectionSettings(
          { ServiceBusConnection__fullyQualifiedNamespace: "ns.servicebus.windows.net" },
          ["serviceBus"],
        ),
      ),
    ).toEqual([]);
  });
});

describe("telemetryDestination", () => {
  it("is off unless asked, Application Insights when its connection string is set", () => {
    expect(telemetryDestination({})).toBe("off");
    expect(telemetryDestination({ OTEL_TRACES_EXPORTER: "console" })).toBe("console");
    expect(telemetryDestination({ APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=x" })).toBe(
      "azure-monitor",
    );
    expect(
      telemetryDestination({
        APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=x",
        OTEL_SDK_DISABLED: "true",
      }),
    ).toBe("off");
    expect(() => telemetryDestination({ OTEL_TRACES_EXPORTER: "zipkin" })).toThrow(/OTEL_TRACES_EXPORTER/);
  });
});

describe("log fields", () => {
  it("stamps the invocation's ids on every log record, and only that invocation's", async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new LogFieldsProcessor(), new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger("test");
    await Promise.all(
      ["a", "b"].map((suffix) =>
        withLogFields(async () => {
          addLogFields(logFieldsOf({ requestId: `req-${suffix}`, customerId: `cust-${suffix}`, other: 1 }));
          await new Promise((resolve) => setTimeout(resolve, 5));
          addLogFields({ partnerId: `partner-${suffix}` });
          logger.emit({ body: `line ${suffix}` });
        }),
      ),
    );
    logger.emit({ body: "outside" });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords().map((record) => [record.body, record.attributes]);
    expect(records).toEqual([
      ["line a", { requestId: "req-a", customerId: "cust-a", partnerId: "partner-a" }],
      ["line b", { requestId: "req-b", customerId: "cust-b", partnerId: "partner-b" }],
      ["outside", {}],
    ]);
    await provider.shutdown();
  });
});
