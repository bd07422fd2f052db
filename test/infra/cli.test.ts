import { execFile } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

import { CACHE_DIR, locateBicep } from "../../infra/check/locate.js";
import { ROOT, scratchDir, STORAGE } from "./helpers.js";

const run = promisify(execFile);
const CLI = path.join(ROOT, "infra", "check", "cli.ts");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** A copy of infra/ without the cached CLI, as a clean clone has it. */
function copyOfInfra(): string {
  const dir = scratchDir("infra-cli-");
  const cache = path.join(ROOT, CACHE_DIR);
  cpSync(path.join(ROOT, "infra"), path.join(dir, "infra"), {
    recursive: true,
    filter: (source) => source !== cache,
  });
  return dir;
}

async function failure(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, [TSX, CLI, ...args], { env }).then(
    () => ({ code: 0, stderr: "" }),
    (error: unknown) => error as { code: number; stderr: string },
  );
}

describe("npm run infra:check", () => {
  it("exits 1 and prints where and which check on a broken template", async () => {
    const dir = copyOfInfra();
    const file = path.join(dir, STORAGE);
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("supportsHttpsTrafficOnly: true", "supportsHttpsTrafficOnly: false"),
    );
    const cli = await locateBicep(ROOT);
    const result = await failure([dir], { ...process.env, BICEP_PATH: cli.path });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /public network: Microsoft\.Storage\/storageAccounts \w+: \[https-only\] .*supportsHttpsTrafficOnly/,
    );
    expect(result.stderr).toMatch(/infra check: 2 finding\(s\); Bicep CLI \d+\.\d+\.\d+ \(BICEP_PATH\)/);
  });

  it("says in one line how to install a CLI when none is found", async () => {
    const result = await failure([copyOfInfra()], { PATH: path.join(tmpdir(), "no-such-dir") });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^no Bicep CLI found .*dotnet restore.*az bicep install.*BICEP_PATH/);
  });
});
