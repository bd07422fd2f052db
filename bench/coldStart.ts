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

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const LOADER = path.join(ROOT, "dist", "local", "host", "loadFunctionApp.js");
const run = promisify(execFile);

const probeAnswerSchema = z.object({ importMs: z.number(), functions: z.int() });
/** The libraries the app imports at load, by themselves: what part of the app's import is theirs. */
const LIBRARIES = ["@azure/functions", "zod", "@azure/data-tables", "@azure/service-bus", "@azure/identity"];

/** A fresh process: imports the loader, then times loading the app; prints JSON. */
function probeScript(options: { rootDir: string; main?: string; modules?: string[] }): string {
  return `
const { loadFunctionApp } = await import(${JSON.stringify(pathToFileURL(LOADER).href)});
const started = performance.now();
const app = await loadFunctionApp(${JSON.stringify(options)});
process.stdout.write(JSON.stringify({ importMs: performance.now() - started, functions: app.functions.length }));
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

async function probe(script: string): Promise<{ importMs: number; processMs: number; functions: number }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
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
    const appScript = probeScript({ rootDir: path.join(ROOT, "dist", "deploy") });
    const tscScript = probeScript({ rootDir: ROOT, main: "dist/functions/*.js" });
    const emptyScript = probeScript({ rootDir: folder, modules: ["hello.mjs"] });
    const libraries = librariesScript();
    // One of each first, unmeasured: the file system cache.
    await probe(appScript);
    await probe(emptyScript);
    await probe(tscScript);
    const tsc: Awaited<ReturnType<typeof probe>>[] = [];
    const app: Awaited<ReturnType<typeof probe>>[] = [];
    const empty: Awaited<ReturnType<typeof probe>>[] = [];
    const librariesOnly: Awaited<ReturnType<typeof probe>>[] = [];
    for (let i = 0; i < repeats; i += 1) {
      app.push(await probe(appScript));
      empty.push(await probe(emptyScript));
      librariesOnly.push(await probe(libraries));
      tsc.push(await probe(tscScript));
    }
    const appMs = median(app.map((sample) => sample.importMs));
    const emptyMs = median(empty.map((sample) => sample.importMs));
    const tscMs = median(tsc.map((sample) => sample.importMs));
    return [
      figure("cold start repeats (alternating, medians)", repeats),
      figure("cold start app functions", app[0]?.functions ?? 0),
      figure("cold start app (bundle) import ms", round(appMs, 1)),
      figure("cold start empty app import ms", round(emptyMs, 1)),
      figure("cold start app/empty", round(appMs / emptyMs, 2)),
      figure("cold start tsc output (npm start) import ms", round(tscMs, 1)),
      figure("cold start tsc output/empty", round(tscMs / emptyMs, 2)),
      figure(
        `cold start libraries alone import ms (${LIBRARIES.join(", ")})`,
        round(median(librariesOnly.map((sample) => sample.importMs)), 1),
      ),
      figure("cold start app process ms (node start to exit)", round(median(app.map((s) => s.processMs)), 1)),
      figure("cold start empty app process ms", round(median(empty.map((s) => s.processMs)), 1)),
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
