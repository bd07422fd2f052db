/**
 * Cold start: how long a fresh `node` process takes to import the deployed function app — the
 * bundle in `dist/deploy/` (local/bundle.ts) — through the local host's loader
 * (`loadFunctionApp`, which imports every entry file and captures its registrations), as a ratio to
 * importing an app of one empty HTTP function the same way, in the same run; the `tsc` output
 * (`dist/functions/*.js`, what `npm start` runs) for comparison. Alternating runs, medians reported.
 * Needs `npm run build` first (bench/index.ts runs it).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

import { z } from "zod";

import { figure, median, round, type Figure } from "./lib/figures.js";
import { BENCH_CALLER_SETTINGS } from "./lib/http.js";

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const LOADER = path.join(ROOT, "dist", "local", "host", "loadFunctionApp.js");
const INVOKER = path.join(ROOT, "dist", "local", "host", "invoke.js");
const HTTP_MESSAGES = path.join(ROOT, "dist", "local", "host", "http", "httpMessages.js");
const run = promisify(execFile);

const probeAnswerSchema = z.object({
  importMs: z.number(),
  functions: z.int(),
  firstInvocationMs: z.number().optional(),
});
/** The libraries the app imports at load, by themselves: what part of the app's import is theirs. */
const LIBRARIES = ["@azure/functions", "zod", "@azure/data-tables", "@azure/service-bus", "@azure/identity"];

/**
 * A fresh process: imports the loader, then times loading the app and, when asked, its first
 * invocation of GET /api/openapi.json (no I/O: what a bundled function's first call adds is its
 * module, the route table and the schemas it documents); prints JSON.
 */
function probeScript(
  options: { rootDir: string; main?: string; modules?: string[] },
  invoke = false,
): string {
  return `
const { loadFunctionApp } = await import(${JSON.stringify(pathToFileURL(LOADER).href)});
const { createInvoker } = await import(${JSON.stringify(pathToFileURL(INVOKER).href)});
const { toRpcHttpRequest } = await import(${JSON.stringify(pathToFileURL(HTTP_MESSAGES).href)});
const started = performance.now();
const app = await loadFunctionApp(${JSON.stringify(options)});
const importMs = performance.now() - started;
let firstInvocationMs;
if (${String(invoke)}) {
  const invoke = createInvoker({ programmingModel: app.programmingModel, hooks: () => [], appHookData: {}, log: () => undefined });
  const openApi = app.functions.find((fn) => fn.name === "getOpenApi");
  const result = await invoke(openApi, { triggerData: toRpcHttpRequest({ method: "GET", url: "http://localhost/api/openapi.json", headers: {}, params: {}, body: Buffer.alloc(0) }) });
  if (!result.ok || result.response.returnValue?.http?.statusCode !== "200") throw new Error(JSON.stringify(result));
  firstInvocationMs = performance.now() - started - importMs;
}
process.stdout.write(JSON.stringify({ importMs, functions: app.functions.length, firstInvocationMs }));
process.exit(0);
`;
}

/** A fresh process: times importing the libraries alone (resolved from the project root). */
function librariesScript(): string {
  return `
const started = performance.now();
for (const name of ${JSON.stringify(LIBRARIES)}) await import(name);
process.stdout.write(JSON.stringify({ importMs: performance.now() - started, functions: 0 }));
`;
}

/**
 * Settings of the right shape for the first invocation, which reads the config; nothing connects
 * to them (the OpenAPI document needs no storage and no caller).
 */
const PROBE_SETTINGS = {
  ...BENCH_CALLER_SETTINGS,
  TABLES_CONNECTION: "UseDevelopmentStorage=true",
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1;SharedAccessKeyName=bench;SharedAccessKey=bench;UseDevelopmentEmulator=true",
};

type ProbeAnswer = z.infer<typeof probeAnswerSchema> & { readonly processMs: number };

async function probe(script: string): Promise<ProbeAnswer> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT,
    env: { ...process.env, ...PROBE_SETTINGS },
  });
  const processMs = performance.now() - started;
  return { ...probeAnswerSchema.parse(JSON.parse(stdout)), processMs };
}

export async function coldStartBench(options: { repeats?: number } = {}): Promise<Figure[]> {
  const repeats = options.repeats ?? 7;
  const folder = await mkdtemp(path.join(tmpdir(), "bench-empty-app-"));
  try {
    // The baseline: one HTTP function that does nothing, importing the same @azure/functions.
    const functionsUrl = pathToFileURL(
      createRequire(path.join(ROOT, "package.json")).resolve("@azure/functions"),
    ).href;
    await writeFile(
      path.join(folder, "hello.mjs"),
      `import functions from ${JSON.stringify(functionsUrl)};\nfunctions.app.http("hello", { methods: ["GET"], handler: async () => ({ status: 204 }) });\n`,
    );
    const appScript = probeScript({ rootDir: path.join(ROOT, "dist", "deploy") }, true);
    const tscScript = probeScript({ rootDir: ROOT, main: "dist/functions/*.js" }, true);
    const emptyScript = probeScript({ rootDir: folder, modules: ["hello.mjs"] });
    const libraries = librariesScript();
    // One of each first, unmeasured: the file system cache.
    await probe(appScript);
    await probe(emptyScript);
    await probe(tscScript);
    const tsc: ProbeAnswer[] = [];
    const app: ProbeAnswer[] = [];
    const empty: ProbeAnswer[] = [];
    const librariesOnly: ProbeAnswer[] = [];
    for (let i = 0; i < repeats; i += 1) {
      app.push(await probe(appScript));
      empty.push(await probe(emptyScript));
      librariesOnly.push(await probe(libraries));
      tsc.push(await probe(tscScript));
    }
    const appMs = median(app.map((sample) => sample.importMs));
    const emptyMs = median(empty.map((sample) => sample.importMs));
    const tscMs = median(tsc.map((sample) => sample.importMs));
    const firstCall = (samples: ProbeAnswer[]) =>
      round(median(samples.map((s) => s.firstInvocationMs ?? 0)), 1);
    return [
      figure("cold start repeats (alternating, medians)", repeats),
      figure("cold start app functions", app[0]?.functions ?? 0),
      figure("cold start app (bundle) import ms", round(appMs, 1)),
      figure("cold start empty app import ms", round(emptyMs, 1)),
      figure("cold start app/empty", round(appMs / emptyMs, 2)),
      figure("cold start tsc output (npm start) import ms", round(tscMs, 1)),
      figure("cold start tsc output/empty", round(tscMs / emptyMs, 2)),
      figure(
        "cold start app (bundle) first invocation ms (GET openapi.json, after the import)",
        firstCall(app),
      ),
      figure(
        "cold start tsc output first invocation ms (GET openapi.json, after the import)",
        firstCall(tsc),
      ),
      figure(
        `cold start libraries alone import ms (${LIBRARIES.join(", ")})`,
        round(median(librariesOnly.map((sample) => sample.importMs)), 1),
      ),
      figure(
        "cold start app process ms (node start to exit, with the first invocation)",
        round(median(app.map((s) => s.processMs)), 1),
      ),
      figure("cold start empty app process ms", round(median(empty.map((s) => s.processMs)), 1)),
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
