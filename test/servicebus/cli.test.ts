/** The emulator from the shell, as `npm run servicebus` starts it (`tsx local/servicebus/cli.ts`). */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { testClient, testQueue } from "./support.js";

const CLI = fileURLToPath(new URL("../../local/servicebus/cli.ts", import.meta.url));

let child: ChildProcessWithoutNullStreams;
let exited: Promise<number | null>;
let output = "";

function waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(output);
      if (match) resolve(match);
      return match !== null;
    };
    if (check()) return;
    const timer = setTimeout(() => {
      reject(new Error(`no ${String(pattern)} in output:\n${output}`));
    }, timeoutMs);
    child.stdout.on("data", () => {
      if (check()) clearTimeout(timer);
    });
  });
}

beforeAll(() => {
  const path = join(mkdtempSync(join(tmpdir(), "sb-cli-")), "topology.json");
  writeFileSync(path, JSON.stringify({ queues: [testQueue("cli-orders")] }));
  child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0", "--topology", path]);
  exited = new Promise((resolve) => {
    child.on("exit", (code) => {
      resolve(code);
    });
  });
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
});

afterAll(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
});

describe("npm run servicebus", () => {
  it("prints its connection string, counts on SIGUSR2, and stops with exit 0 on SIGTERM", async () => {
    const [line] = await waitForOutput(/^Endpoint=sb:\/\/127\.0\.0\.1:\d+;.*$/m);
    expect(line).toMatch(/;UseDevelopmentEmulator=true;$/);

    const client = testClient(line);
    await client.createSender("cli-orders").sendMessages([{ body: 1 }, { body: 2 }]);
    await client.close();

    child.kill("SIGUSR2");
    const [counts] = await waitForOutput(/cli-orders: active=\d+ .*$/m);
    expect(counts).toContain("cli-orders: active=2 locked=0 scheduled=0 deferred=0 deadLettered=0");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
