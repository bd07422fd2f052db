import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterEach, describe, expect, it } from "vitest";

import { checkInfra, CHECKS } from "../../infra/check/index.js";
import { ROOT, STORAGE } from "./helpers.js";

const run = promisify(execFile);
const CLI = path.join(ROOT, "infra", "check", "cli.ts");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function copyOfInfra(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "infra-check-"));
  copies.push(dir);
  cpSync(path.join(ROOT, "infra"), path.join(dir, "infra"), { recursive: true });
  return dir;
}

describe("the whole check", () => {
  it("passes every check on the real templates and parses every file", async () => {
    const { files, findings } = await checkInfra({ rootDir: ROOT });
    expect(findings).toEqual([]);
    expect(files).toContain("infra/main.bicep");
    expect(files.filter((file) => file.startsWith("infra/modules/")).length).toBeGreaterThanOrEqual(8);
  });

  it("names each finding after its check", async () => {
    const { findings } = await checkInfra({
      rootDir: ROOT,
      overrides: {
        [STORAGE]: readFileSync(path.join(ROOT, STORAGE), "utf8").replace(
          "allowSharedKeyAccess: false",
          "allowSharedKeyAccess: true",
        ),
      },
    });
    expect(findings.map((finding) => finding.check)).toEqual(["local-auth"]);
    expect(Object.keys(CHECKS)).toContain("local-auth");
  });
});

describe("npm run infra:check", () => {
  it("exits 0 on the real templates", async () => {
    const { stdout } = await run(process.execPath, [TSX, CLI, copyOfInfra()]);
    expect(stdout).toMatch(/every check passed/);
  });

  it("exits 1 and prints file:line:col on a broken template", async () => {
    const dir = copyOfInfra();
    const file = path.join(dir, STORAGE);
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("supportsHttpsTrafficOnly: true", "supportsHttpsTrafficOnly: false"),
    );
    const failure = await run(process.execPath, [TSX, CLI, dir]).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(
      /infra\/modules\/storage\.bicep:\d+:\d+: \[https-only\] .*supportsHttpsTrafficOnly/,
    );
  });
});
