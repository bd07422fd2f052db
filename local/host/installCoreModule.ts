/**
 * Makes `require("@azure/functions-core")` (which `@azure/functions` calls, CommonJS) return the
 * host's registry API, as the real worker does. It resolves the name to a virtual file whose
 * module is already in the require cache, so nothing is read from disk.
 */
import Module from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { coreRegistry } from "./coreModule.js";

const CORE_MODULE_NAME = "@azure/functions-core";

interface ModuleInternals {
  _resolveFilename: (request: string, parent: unknown, ...rest: unknown[]) => string;
  _cache: Record<string, unknown>;
}

interface CachedModule {
  filename: string;
  loaded: boolean;
  exports: unknown;
}

const virtualFile = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "azure-functions-core.virtual.cjs",
);

let installed = false;

/**
 * Installs the core module. Must run before `@azure/functions` first registers anything: the
 * library looks for the core module once and stays in "test mode" if it was missing.
 */
export function installCoreModule(): void {
  if (installed) return;
  const internals = Module as unknown as ModuleInternals;
  const ModuleClass = Module as unknown as new (id: string) => CachedModule;

  const cached = new ModuleClass(virtualFile);
  cached.filename = virtualFile;
  cached.loaded = true;
  cached.exports = coreRegistry.api;
  internals._cache[virtualFile] = cached;

  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (request, parent, ...rest) {
    if (request === CORE_MODULE_NAME) return virtualFile;
    return resolveFilename.call(this, request, parent, ...rest);
  };
  installed = true;
}
