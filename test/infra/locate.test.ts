import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { locateBicep, NoBicepCli, pinnedVersion, restoredPath, runtimeId } from "../../infra/check/locate.js";
import { ROOT, scratchDir } from "./helpers.js";

/** An executable file at dir/name. */
function executable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, "#!/bin/sh\n");
  chmodSync(file, 0o755);
  return file;
}

describe("which Bicep CLI the check runs", () => {
  it("takes BICEP_PATH first", async () => {
    const dir = scratchDir("locate-");
    const explicit = executable(path.join(dir, "explicit"), "bicep");
    executable(path.join(dir, "bin"), "bicep");
    const env = { BICEP_PATH: explicit, PATH: path.join(dir, "bin") };
    expect(await locateBicep(ROOT, env)).toEqual({ path: explicit, source: "BICEP_PATH" });
  });

  it("refuses a BICEP_PATH that is not an executable", async () => {
    await expect(
      locateBicep(ROOT, { BICEP_PATH: path.join(scratchDir("locate-"), "missing") }),
    ).rejects.toThrow(NoBicepCli);
  });

  it("then bicep on PATH", async () => {
    const dir = scratchDir("locate-");
    const onPath = executable(path.join(dir, "bin"), "bicep");
    expect(await locateBicep(ROOT, { PATH: path.join(dir, "bin") })).toEqual({
      path: onPath,
      source: "PATH",
    });
  });

  it("then the copy az bicep install keeps", async () => {
    const dir = scratchDir("locate-");
    executable(path.join(dir, "bin"), "az");
    const installed = executable(path.join(dir, "azure", "bin"), "bicep");
    const env = { PATH: path.join(dir, "bin"), AZURE_CONFIG_DIR: path.join(dir, "azure") };
    expect(await locateBicep(ROOT, env)).toEqual({ path: installed, source: "az" });
  });

  it("then the package restored from NuGet, found in the cache without dotnet", async () => {
    const dir = scratchDir("locate-");
    const cached = restoredPath(dir, "1.2.3");
    executable(path.dirname(cached), path.basename(cached));
    mkdirSync(path.join(dir, "infra", "bicep-cli"), { recursive: true });
    writeFileSync(
      path.join(dir, "infra", "bicep-cli", "bicep-cli.csproj"),
      '<PackageDownload Version="[1.2.3]" />',
    );
    expect(await locateBicep(dir, { PATH: "" })).toEqual({ path: cached, source: "NuGet" });
  });

  it("else fails in one line saying how to install one", async () => {
    const dir = scratchDir("locate-");
    mkdirSync(path.join(dir, "infra", "bicep-cli"), { recursive: true });
    writeFileSync(
      path.join(dir, "infra", "bicep-cli", "bicep-cli.csproj"),
      '<PackageDownload Version="[1.2.3]" />',
    );
    const error = await locateBicep(dir, { PATH: "" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoBicepCli);
    expect((error as Error).message).toMatch(
      /^no Bicep CLI found \(no BICEP_PATH, bicep, az or dotnet\): [^\n]*BICEP_PATH$/,
    );
  });
});

describe("the pinned package", () => {
  it("is one exact version, read from the restore project", () => {
    expect(pinnedVersion(ROOT)).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("names NuGet's runtime ids", () => {
    expect(runtimeId("linux", "x64")).toBe("linux-x64");
    expect(runtimeId("darwin", "arm64")).toBe("osx-arm64");
    expect(runtimeId("win32", "x64")).toBe("win-x64");
    expect(restoredPath("/r", "0.49.2", "win-x64")).toBe(
      path.join("/r", "infra/.bicep/packages/azure.bicep.commandline.win-x64/0.49.2/tools/bicep.exe"),
    );
  });
});
