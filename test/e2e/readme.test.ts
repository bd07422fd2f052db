/** The README's signed curl works as printed, against a stack like the one `npm start` runs. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startLocalStack, type LocalStack } from "../../local/stack.js";

let stack: LocalStack | undefined;
let stateDir = "";

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "csp-readme-"));
  stack = await startLocalStack({ port: 0, quiet: true, env: {}, localSettingsPath: false, stateDir });
});

afterAll(async () => {
  await stack?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe("the README's quick start", () => {
  it("registers the partner with the signed curl it prints", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const command = /```sh\n(KEY_ID=\$\(node[^\n]+)\n```/.exec(readme)?.[1];
    expect(command, "the README shows a signed curl reading .local/dev-keys.json").toBeDefined();
    if (stack === undefined || command === undefined) return;
    // The same command, pointed at this stack's port and development keys instead of 7071 and ./.local.
    const here = command
      .replaceAll("./.local/dev-keys.json", path.join(stateDir, "dev-keys.json"))
      .replaceAll("http://localhost:7071/api/", stack.baseUrl);
    const { stdout } = await promisify(execFile)("sh", ["-c", here]);
    expect(stdout).toMatch(/^HTTP\/1\.1 20[01] /);
    expect(stdout).toContain('"id":"contoso-csp"');
  });
});
