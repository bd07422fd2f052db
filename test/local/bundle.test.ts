/**
 * The deployment package: the bundle esbuild makes of the app (local/bundle.ts), built into a
 * folder outside the checkout so that nothing can resolve from node_modules, then loaded the way
 * the Functions worker loads it (package.json `main`). Every function of functions/ must be there,
 * and the entry a cold start reads must not carry the SDKs the app loads on first use.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadFunctionApp } from "../../local/host/index.js";
import { bundleApp, packagesIn, type BundleResult } from "../../local/bundle.js";

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
];

let folder: string;
let bundled: BundleResult;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "bundle-test-"));
  bundled = await bundleApp({ outDir: folder });
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

    const app = await loadFunctionApp({ rootDir: folder });
    const expected = bundled.functionFiles
      .filter((file) => file !== "index.ts")
      .map((file) => path.basename(file, ".ts"))
      .sort();
    expect(expected.length).toBeGreaterThan(20);
    expect(app.functions.map((registration) => registration.name).sort()).toEqual(expected);
  });

  it("keeps the SDKs loaded on first use out of the entry a cold start reads", () => {
    const entryPackages = packagesIn(bundled.metafile, bundled.entry);
    expect(entryPackages).toContain("@azure/functions");
    for (const name of LAZY_PACKAGES) expect(entryPackages, name).not.toContain(name);
  });

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
