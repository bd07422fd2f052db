/**
 * The deployment package: the bundle esbuild makes of the app (local/bundle.ts), built into a
 * folder outside the checkout so that nothing can resolve from node_modules, then loaded the way
 * the Functions worker loads it (package.json `main`). Every function of functions/ must be there,
 * the entry a cold start reads must carry neither the SDKs the app loads on first use nor any
 * function's module, and the modules it loads on first invocation must serve: the local stack runs
 * on the bundle and takes a relationship request through an HTTP function and a queue function.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadFunctionApp, startLocalHost, type LoadedFunctionApp } from "../../local/host/index.js";
import { bundleApp, packagesIn, type BundleResult } from "../../local/bundle.js";
import { relationshipViewSchema } from "../../shared/http/views.js";
import { call, issuePartnerKey, operatorOf, startTestStack, waitFor } from "../e2e/helpers.js";

const run = promisify(execFile);
/** Loaded on first use, never at import. */
const LAZY_PACKAGES = [
  "@azure/data-tables",
  "@azure/service-bus",
  "@azure/identity",
  "@azure/monitor-opentelemetry",
  "@azure/functions-opentelemetry-instrumentation",
  "@opentelemetry/sdk-trace-node",
  "jose",
  "@azure/keyvault-secrets",
];

let folder: string;
let bundled: BundleResult;
/** Loaded once: a module imported again is not evaluated again, so it would register nothing. */
let app: LoadedFunctionApp;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "bundle-test-"));
  bundled = await bundleApp({ outDir: folder });
  app = await loadFunctionApp({ rootDir: folder });
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("the deployment bundle", () => {
  it("registers every function of functions/, from its own package.json and nothing installed", async () => {
    const manifest = JSON.parse(await readFile(path.join(folder, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({ type: "module", main: "app/index.js" });
    expect(manifest).not.toHaveProperty("dependencies");
    await expect(readFile(path.join(folder, "host.json"), "utf8")).resolves.toContain('"version": "2.0"');

    const expected = bundled.functionFiles
      .filter((file) => file !== "index.ts")
      .map((file) => path.basename(file, ".ts"))
      .sort();
    expect(expected.length).toBeGreaterThan(20);
    expect(app.functions.map((registration) => registration.name).sort()).toEqual(expected);
  });

  it("keeps the SDKs and every function's module out of what a cold start reads", () => {
    const { outputs } = bundled.metafile;
    const entry = Object.keys(outputs).find((file) => path.resolve(file) === bundled.entry);
    // The entry and the chunks it imports statically: what importing the bundle evaluates.
    const read = new Set<string>();
    const pending = entry === undefined ? [] : [entry];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (read.has(file)) continue;
      read.add(file);
      for (const imported of outputs[file]?.imports ?? [])
        if (imported.kind === "import-statement" && imported.external !== true) pending.push(imported.path);
    }
    expect(read.size).toBeGreaterThan(0);
    const inputs = [...read].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {}));
    expect(inputs).toContain("functions/index.ts");
    expect(
      inputs.filter((input) => input.startsWith("functions/") && input !== "functions/index.ts"),
    ).toEqual([]);
    const packages = new Set(
      [...read].flatMap((file) => [...packagesIn(bundled.metafile, path.resolve(file))]),
    );
    expect(packages).toContain("@azure/functions");
    for (const name of LAZY_PACKAGES) expect(packages, name).not.toContain(name);
  });

  it("registers each function as its file does (the sweep's schedule left to the app setting)", () => {
    const byName = new Map(app.functions.map((registration) => [registration.name, registration.trigger]));
    expect(byName.get("sweepTimer")).toMatchObject({ type: "timerTrigger", schedule: "%SWEEP_SCHEDULE%" });
    expect(byName.get("relayOutboxTimer")).toMatchObject({ type: "timerTrigger", schedule: "0 * * * * *" });
    expect(byName.get("postRelationshipRequest")).toMatchObject({
      type: "httpTrigger",
      route: "relationship-requests",
      methods: ["POST"],
      authLevel: "anonymous",
    });
    expect(byName.get("processRelationshipMessage")).toMatchObject({
      type: "serviceBusTrigger",
      queueName: "relationship-requests",
      connection: "ServiceBusConnection",
    });
  });

  it(
    "serves from the modules it loads on first invocation: a relationship request through the local stack",
    { timeout: 60_000 },
    async () => {
      const { stack, close } = await startTestStack(() => undefined, {
        env: { PARTNER_CENTER_MODE: "records" },
        startHost: (options) => startLocalHost({ ...options, app }),
      });
      try {
        const send = (
          as: Parameters<typeof call>[1],
          method: "GET" | "PUT" | "POST",
          route: string,
          body?: unknown,
        ) => call(stack.baseUrl, as, method, route, body);
        const operator = operatorOf(stack);
        expect(await send("nobody", "GET", "health")).toMatchObject({ status: 200, body: { status: "ok" } });
        const partnerBody = { name: "Fabrikam", region: "US", cloud: "public", kind: "direct" };
        expect((await send(operator, "PUT", "partners/fabrikam-csp", partnerBody)).status).toBe(201);
        const partner = await issuePartnerKey(stack.baseUrl, operator, "fabrikam-csp");
        const customer = { name: "A. Datum", region: "US", cloud: "public", isCspPartner: false };
        expect((await send(partner, "PUT", "customers/adatum", customer)).status).toBe(201);
        const requested = await send(partner, "POST", "relationship-requests", {
          partnerId: "fabrikam-csp",
          customerId: "adatum",
          actor: { userId: "kim@fabrikam.example", role: "global-admin" },
          delegatedAdmin: true,
        });
        expect(requested.status).toBe(202);
        const { id } = requested.body as { id: string };
        // Decided by processRelationshipMessage, loaded from its own chunk on its first message.
        const decided = await waitFor(
          async () => relationshipViewSchema.parse((await send(partner, "GET", `relationships/${id}`)).body),
          (view) => view.status !== "submitted",
        );
        expect(decided.status).toBe("pending");
      } finally {
        await close();
      }
    },
  );

  it("gives every module the app loads with import() its named exports (a CommonJS package alone would offer only default)", () => {
    const { inputs, outputs } = bundled.metafile;
    const lazy = Object.entries(inputs)
      .filter(([file]) => /^(shared|functions)\//.test(file))
      .flatMap(([, input]) => input.imports.filter((imported) => imported.kind === "dynamic-import"));
    expect(lazy.length).toBeGreaterThanOrEqual(5);
    for (const imported of lazy) {
      const chunk = Object.values(outputs).find((output) => output.entryPoint === imported.path);
      expect(chunk?.exports, imported.path).not.toEqual(["default"]);
      expect(chunk?.exports.length, imported.path).toBeGreaterThan(0);
    }
  });

  it.each([
    [
      "Application Insights",
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING:
          "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
      },
    ],
    ["console spans", { OTEL_TRACES_EXPORTER: "console" }],
  ])("starts with telemetry to %s (its lazily loaded chunks work bundled)", async (_name, env) => {
    // A process of its own: telemetry registers global providers.
    const loader = path.resolve("local/host/loadFunctionApp.ts");
    const script = `const { loadFunctionApp } = await import(${JSON.stringify(loader)});
const app = await loadFunctionApp({ rootDir: ${JSON.stringify(folder)} });
process.stdout.write(String(app.functions.length));
process.exit(0);`;
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, OTEL_SDK_DISABLED: "false", ...env },
      timeout: 30_000,
    });
    expect(Number(stdout)).toBe(bundled.functionFiles.length - 1);
  });
});
