/**
 * Loads a v4 function app the way the Node.js worker does: `package.json` `main` (a file or a
 * glob) names the entry files, each is imported in turn, and whatever they register through
 * `@azure/functions` is captured. Explicit module paths can be given instead (tests).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { errorMessage } from "../../shared/errors.js";
import { coreRegistry } from "./coreModule.js";
import type { ProgrammingModel } from "./coreTypes.js";
import { globFiles } from "./glob.js";
import { installCoreModule } from "./installCoreModule.js";
import { toRegistration, type FunctionRegistration } from "./registrations.js";

export interface LoadFunctionAppOptions {
  /** The app's folder: where package.json, host.json and local.settings.json live. */
  readonly rootDir: string;
  /** Replaces package.json `main` (a file or glob relative to rootDir), e.g. `functions/*.ts`. */
  readonly main?: string;
  /** Explicit entry modules (absolute, or relative to rootDir); package.json is then not read. */
  readonly modules?: readonly string[];
}

export interface LoadedFunctionApp {
  readonly rootDir: string;
  /** Absolute paths of the entry files, in load order. */
  readonly files: readonly string[];
  readonly functions: readonly FunctionRegistration[];
  readonly programmingModel: ProgrammingModel;
}

export class FunctionAppLoadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FunctionAppLoadError";
  }
}

const packageJsonSchema = z.looseObject({
  main: z.string().trim().min(1, "is empty"),
});

export async function loadFunctionApp(options: LoadFunctionAppOptions): Promise<LoadedFunctionApp> {
  installCoreModule();
  const rootDir = path.resolve(options.rootDir);
  const files =
    options.modules === undefined
      ? await entryFiles(rootDir, options.main)
      : options.modules.map((module) => path.resolve(rootDir, module));

  for (const file of files) {
    await coreRegistry.withLoadingFile(file, async () => {
      try {
        await import(pathToFileURL(file).href);
      } catch (error) {
        throw new FunctionAppLoadError(`Loading entry file ${file} failed: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    });
  }

  if (coreRegistry.httpStreamRequested) {
    throw new FunctionAppLoadError(
      "The app calls app.setup({ enableHttpStream: true }); the local host serves HTTP functions in the default (non-stream) mode only. Remove the option to run it locally.",
    );
  }
  const programmingModel = coreRegistry.programmingModel;
  const fileSet = new Set(files);
  const functions = coreRegistry.functions
    .filter((captured) => captured.sourceFile !== undefined && fileSet.has(captured.sourceFile))
    .map(toRegistration);
  if (programmingModel === undefined || functions.length === 0) {
    throw new FunctionAppLoadError(
      `No functions were registered by ${files.join(", ")}. The entry files must call app.http / app.timer / app.serviceBusQueue from @azure/functions, and @azure/functions must not be loaded before the local host (it then stays in "test mode").`,
    );
  }
  // The worker asks the model for its capabilities once the app is loaded; this also locks
  // app.setup(), as it is locked in Azure.
  await programmingModel.getCapabilities?.({});
  return { rootDir, files, functions, programmingModel };
}

async function entryFiles(rootDir: string, mainOverride: string | undefined): Promise<string[]> {
  const main = mainOverride ?? (await readMain(rootDir));
  const direct = path.resolve(rootDir, main);
  const isFile = await stat(direct).then(
    (info) => info.isFile(),
    () => false,
  );
  const relative = isFile ? [path.relative(rootDir, direct)] : await globFiles(rootDir, main);
  if (relative.length === 0) {
    throw new FunctionAppLoadError(
      `No files in ${rootDir} match the entry point "${main}"${mainOverride === undefined ? " (package.json main)" : ""}. Build the app first if it points at compiled output.`,
    );
  }
  return relative.map((file) => path.join(rootDir, file));
}

async function readMain(rootDir: string): Promise<string> {
  const file = path.join(rootDir, "package.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new FunctionAppLoadError(`Cannot read ${file}: ${errorMessage(error)}`);
  }
  const parsed = packageJsonSchema.safeParse(raw);
  if (!parsed.success) {
    throw new FunctionAppLoadError(
      `${file} needs a "main" naming the entry file or glob (e.g. "dist/functions/*.js"): ${parsed.error.issues
        .map((issue) => `${issue.path.join(".") || "main"} ${issue.message}`)
        .join("; ")}`,
    );
  }
  return parsed.data.main;
}
