/**
 * The five functions as a Functions host sees them: loaded through the project's local host (which
 * supplies the module the real host injects) and resolved against the settings, with SWEEP_SCHEDULE
 * unset. This file must not load @azure/functions before the host does.
 */
import { describe, expect, it } from "vitest";

import { loadFunctionApp } from "../../../local/host/index.js";
import { resolveFunctions } from "../../../local/host/registrations.js";
import { callerSettings } from "../../setup/callers.js";
import { tablesConnection, tablesPrefixFor } from "../../setup/tables.js";

describe("registrations", () => {
  it("registers the processors on their queues (the customer sweeps too), the admin sweep route and the nightly timer", async () => {
    Object.assign(process.env, {
      TABLES_CONNECTION: tablesConnection(),
      TABLES_PREFIX: tablesPrefixFor(import.meta.url),
      ServiceBusConnection:
        "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;",
      ...callerSettings(),
    });
    delete process.env.SWEEP_SCHEDULE;

    const app = await loadFunctionApp({
      rootDir: process.cwd(),
      modules: [
        "functions/processRelationshipMessage.ts",
        "functions/processMigrationMessage.ts",
        "functions/processSweepMessage.ts",
        "functions/postSweep.ts",
        "functions/sweepTimer.ts",
      ],
    });
    const resolved = resolveFunctions(app.functions, (name) => process.env[name]);

    const byName = new Map(resolved.map(({ registration, spec }) => [registration.name, spec] as const));
    expect(byName.get("processRelationshipMessage")).toMatchObject({
      kind: "serviceBus",
      queueName: "relationship-requests",
      connection: "ServiceBusConnection",
    });
    expect(byName.get("processMigrationMessage")).toMatchObject({
      kind: "serviceBus",
      queueName: "migration-requests",
      connection: "ServiceBusConnection",
    });
    expect(byName.get("processSweepMessage")).toMatchObject({
      kind: "serviceBus",
      queueName: "customer-sweeps",
      connection: "ServiceBusConnection",
    });
    expect(byName.get("postSweep")).toEqual({ kind: "http", route: "admin/sweep", methods: ["POST"] });
    expect(app.functions.find((f) => f.name === "postSweep")?.trigger).toMatchObject({
      authLevel: "anonymous",
    });
    const timer = byName.get("sweepTimer");
    expect(timer).toMatchObject({ kind: "timer", runOnStartup: false });
    expect(app.functions.find((f) => f.name === "sweepTimer")?.trigger).toMatchObject({
      schedule: "0 0 2 * * *",
    });
  });
});
