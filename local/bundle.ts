/**
 * The deployment package: the function app as an esbuild bundle in `dist/deploy/` (what azure.yaml
 * deploys), with its own package.json (`main` the bundle's entry, no dependencies to install) and
 * host.json. A cold start reads only the entry: functions/index.ts (app-wide setup) and every
 * function's registration, recorded at build time (local/lazyFunctions.ts); each function's module
 * is a chunk of its own, read on its first invocation, and so is what the code loads with
 * `import()` (the Azure SDKs, telemetry, jose). `@azure/functions-core` stays outside: the
 * Functions worker supplies it. A CommonJS package must be loaded lazily through a module of ours
 * that imports it statically (shared/telemetry/sdks/): the chunk esbuild makes for
 * `import("cjs-package")` itself offers only `default`.
 *
 *   node dist/local/bundle.js [outDir]     (npm run build runs it; BUNDLE_NO_MINIFY=1 to read it)
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { z } from "zod";

const run = promisify(execFile);

/** The checkout: two levels up from local/bundle.ts, and from dist/local/bundle.js. */
const SOURCE_ROOT = path.resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
export const REPO_ROOT = path.basename(SOURCE_ROOT) === "dist" ? path.dirname(SOURCE_ROOT) : SOURCE_ROOT;
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, "dist", "deploy");
/** The bundle's entry, relative to its folder (package.json `main`). */
export const BUNDLE_MAIN = "app/index.js";

/**
 * zod re-exports all its ~50 locales as `z.locales`, which no bundler can drop from the `z` object;
 * the app never reads them (zod configures English itself), so the bundle offers English alone.
 */
const englishOnlyZod: Plugin = {
  name: "english-only-zod",
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: "zod-locales", namespace: "english-only-zod" }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: "english-only-zod" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: REPO_ROOT,
      loader: "js",
    }));
  },
};

export interface BundleResult {
  readonly outDir: string;
  /** Absolute path of the entry file. */
  readonly entry: string;
  /** The functions/ files bundled, in order: index.ts read at start, the others on first use. */
  readonly functionFiles: readonly string[];
  readonly metafile: Metafile;
}

/** The function files: app-wide setup (index.ts) first, then the others as the worker's glob orders them. */
export async function functionFiles(root = REPO_ROOT): Promise<string[]> {
  const files = (await readdir(path.join(root, "functions"))).filter((file) => file.endsWith(".ts")).sort();
  return ["index.ts", ...files.filter((file) => file !== "index.ts")];
}

/** What the app's own modules import as `@azure/functions`: local/lazyFunctions.ts, which records registrations. */
const LAZY_FUNCTIONS = path.join(REPO_ROOT, "local", "lazyFunctions.ts");
const lazyRegistrations: Plugin = {
  name: "lazy-registrations",
  setup(builder) {
    builder.onResolve({ filter: /^@azure\/functions$/ }, (args) =>
      /[\\/]node_modules[\\/]/.test(args.importer) || args.importer === LAZY_FUNCTIONS
        ? undefined
        : { path: LAZY_FUNCTIONS },
    );
  },
};

/** What both builds share: one ES module bundle for Node 20, the worker's own module left outside. */
const COMMON = {
  absWorkingDir: REPO_ROOT,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@azure/functions-core"],
  // CommonJS dependencies bundled into ES modules still call require (node built-ins, the worker's module).
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  plugins: [englishOnlyZod, lazyRegistrations],
  logLevel: "warning",
} as const satisfies BuildOptions;

const recordedSchema = z.array(
  z.strictObject({
    file: z.string(),
    kind: z.enum(["http", "serviceBusQueue", "timer"]),
    name: z.string(),
    options: z.record(z.string(), z.unknown()),
  }),
);
type Recorded = z.infer<typeof recordedSchema>;

/**
 * Every function's registration, as its file makes it: the app bundled whole and run once in a
 * process of its own with no settings, each file imported in turn and what it recorded written
 * out. With no settings the sweep's schedule stays the `%SWEEP_SCHEDULE%` placeholder, which the
 * host resolves from the app setting Bicep always sets.
 */
async function recordRegistrations(files: readonly string[], folder: string): Promise<Recorded> {
  const script = path.join(folder, "record.mjs");
  const answer = path.join(folder, "registrations.json");
  await build({
    ...COMMON,
    stdin: {
      contents: `import { writeFileSync } from "node:fs";
import { recordedRegistrations } from ${JSON.stringify(LAZY_FUNCTIONS)};
const files = [${files.map((file) => `[${JSON.stringify(file)}, () => import("./functions/${file}")]`).join(", ")}];
const recorded = [];
for (const [file, load] of files) {
  const before = recordedRegistrations().length;
  await load();
  for (const registration of recordedRegistrations().slice(before)) recorded.push({ file, ...registration });
}
writeFileSync(process.argv[2], JSON.stringify(recorded));
process.exit(0);`,
      resolveDir: REPO_ROOT,
      sourcefile: "record.entry.ts",
      loader: "ts",
    },
    outfile: script,
  });
  await run(process.execPath, [script, answer], { cwd: folder, env: { PATH: process.env.PATH ?? "" } });
  return recordedSchema.parse(JSON.parse(await readFile(answer, "utf8")));
}

export async function bundleApp(options: { outDir?: string } = {}): Promise<BundleResult> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const files = await functionFiles();
  await rm(outDir, { recursive: true, force: true });
  const recording = await mkdtemp(path.join(tmpdir(), "bundle-registrations-"));
  const registrations = await recordRegistrations(files, recording).finally(() =>
    rm(recording, { recursive: true, force: true }),
  );
  const modules = [...new Set(registrations.map(({ file }) => file))];
  const result = await build({
    ...COMMON,
    // The app-wide setup at once; every other module on its function's first invocation.
    stdin: {
      contents: `import "./functions/index.ts";
import { registerLazily } from ${JSON.stringify(LAZY_FUNCTIONS)};
registerLazily(${JSON.stringify(registrations)}, {
${modules.map((file) => `  ${JSON.stringify(file)}: () => import("./functions/${file}"),`).join("\n")}
});`,
      resolveDir: REPO_ROOT,
      sourcefile: "functions.entry.ts",
      loader: "ts",
    },
    splitting: true,
    outdir: path.join(outDir, path.dirname(BUNDLE_MAIN)),
    entryNames: path.basename(BUNDLE_MAIN, ".js"),
    // Smaller source compiles faster at a cold start; names kept for errors and logs, a source map for stacks.
    minify: process.env.BUNDLE_NO_MINIFY !== "1",
    keepNames: true,
    sourcemap: "linked",
    metafile: true,
  });
  const { name, version } = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  await writeFile(
    path.join(outDir, "package.json"),
    `${JSON.stringify({ name, version, private: true, type: "module", main: BUNDLE_MAIN }, null, 2)}\n`,
  );
  await copyFile(path.join(REPO_ROOT, "host.json"), path.join(outDir, "host.json"));
  return { outDir, entry: path.join(outDir, BUNDLE_MAIN), functionFiles: files, metafile: result.metafile };
}

/** The npm packages whose code is in a given output file of the bundle (e.g. the entry). */
export function packagesIn(metafile: Metafile, outputFile: string): Set<string> {
  const output = Object.entries(metafile.outputs).find(
    ([file]) => path.resolve(REPO_ROOT, file) === outputFile,
  )?.[1];
  const packages = new Set<string>();
  for (const input of Object.keys(output?.inputs ?? {})) {
    const at = input.lastIndexOf("node_modules/");
    if (at < 0) continue;
    const parts = input.slice(at + "node_modules/".length).split("/");
    packages.add(parts[0]?.startsWith("@") === true ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? input));
  }
  return packages;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundled = await bundleApp({ ...(process.argv[2] === undefined ? {} : { outDir: process.argv[2] }) });
  process.stdout.write(`bundled ${bundled.functionFiles.length} function files into ${bundled.outDir}\n`);
}
