/**
 * Finds the Bicep CLI, in this order: BICEP_PATH, `bicep` on PATH, the copy `az bicep install`
 * keeps, else the pinned NuGet package restored by infra/bicep-cli (cached in infra/.bicep/, so
 * `dotnet restore` runs only when that version is not there yet).
 */
import { execFile } from "node:child_process";
import { accessSync, chmodSync, constants, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

export const RESTORE_PROJECT = "infra/bicep-cli/bicep-cli.csproj";
/** Gitignored: the restored package lives here, so a clean clone restores it once. */
export const CACHE_DIR = "infra/.bicep";

export interface BicepCli {
  readonly path: string;
  /** Where it came from, for the report line. */
  readonly source: "BICEP_PATH" | "PATH" | "az" | "NuGet";
}

export class NoBicepCli extends Error {
  constructor(detail: string) {
    super(
      `no Bicep CLI found (${detail}): install the .NET SDK so \`dotnet restore\` can fetch it from NuGet, ` +
        "or run `az bicep install`, or put bicep on PATH, or set BICEP_PATH",
    );
    this.name = "NoBicepCli";
  }
}

/** The version pinned in the restore project, e.g. `0.49.2`. */
export function pinnedVersion(rootDir: string): string {
  const version = /Version="\[([0-9.]+)\]"/.exec(
    readFileSync(path.join(rootDir, RESTORE_PROJECT), "utf8"),
  )?.[1];
  if (version === undefined) throw new Error(`${RESTORE_PROJECT} pins no exact version ("[x.y.z]")`);
  return version;
}

/** NuGet's runtime id for this machine, as the package names spell it. */
export function runtimeId(platform = process.platform, arch = process.arch): string {
  const system = platform === "win32" ? "win" : platform === "darwin" ? "osx" : "linux";
  return `${system}-${arch === "arm64" ? "arm64" : "x64"}`;
}

const exe = (name: string) => (process.platform === "win32" ? `${name}.exe` : name);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? "").split(path.delimiter).filter((dir) => dir.length > 0);
  return dirs.map((dir) => path.join(dir, exe(name))).find(isExecutable);
}

const packagesDir = (rootDir: string) => path.join(rootDir, CACHE_DIR, "packages");

/** The CLI inside the restored package (NuGet lower-cases package folders). */
export function restoredPath(rootDir: string, version: string, rid = runtimeId()): string {
  const binary = rid.startsWith("win") ? "bicep.exe" : "bicep";
  return path.join(packagesDir(rootDir), `azure.bicep.commandline.${rid}`, version, "tools", binary);
}

async function restoreFromNuGet(rootDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const file = restoredPath(rootDir, pinnedVersion(rootDir));
  if (!existsSync(file)) {
    const dotnet = onPath("dotnet", env);
    if (dotnet === undefined) throw new NoBicepCli("no BICEP_PATH, bicep, az or dotnet");
    const project = path.join(rootDir, RESTORE_PROJECT);
    const args = ["restore", project, "--packages", packagesDir(rootDir), `-p:BicepRuntime=${runtimeId()}`];
    await promisify(execFile)(dotnet, [...args, "--nologo"], { env }).catch((error: unknown) => {
      const output = (error as { stdout?: string }).stdout ?? String(error);
      throw new NoBicepCli(`dotnet restore of ${RESTORE_PROJECT} failed: ${output.trim().split("\n").pop()}`);
    });
    if (!existsSync(file)) throw new NoBicepCli(`dotnet restore did not produce ${file}`);
  }
  // A package's files keep the modes they were packed with; the CLI must be runnable by anyone.
  if (process.platform !== "win32") chmodSync(file, 0o755);
  return file;
}

export async function locateBicep(rootDir: string, env: NodeJS.ProcessEnv = process.env): Promise<BicepCli> {
  const explicit = env.BICEP_PATH;
  if (explicit !== undefined && explicit.length > 0) {
    if (!isExecutable(explicit)) throw new NoBicepCli(`BICEP_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: "BICEP_PATH" };
  }
  const fromPath = onPath("bicep", env);
  if (fromPath !== undefined) return { path: fromPath, source: "PATH" };
  const azConfig = env.AZURE_CONFIG_DIR ?? path.join(os.homedir(), ".azure");
  const fromAz = path.join(azConfig, "bin", exe("bicep"));
  if (onPath("az", env) !== undefined && isExecutable(fromAz)) return { path: fromAz, source: "az" };
  return { path: await restoreFromNuGet(rootDir, env), source: "NuGet" };
}
