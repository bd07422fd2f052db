import { spawn } from "node:child_process";
import { connect } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startLocalHost } from "../../local/host/index.js";
import { probe } from "./fixtures/probe.js";
import { collectingLogger, fixturesDir } from "./helpers.js";

const appDir = path.join(fixturesDir, "httpApp");

function tryConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

describe("graceful shutdown", () => {
  it("finishes an in-flight request, refuses new connections, then resolves close()", async () => {
    const { log } = collectingLogger();
    const host = await startLocalHost({
      rootDir: appDir,
      port: 0,
      hostname: "127.0.0.1",
      log,
      localSettingsPath: false,
    });
    const inFlight = fetch(`http://127.0.0.1:${host.port}/api/slow`);
    await probe.slowStarted.opened;

    let closed = false;
    const closing = host.close().then(() => {
      closed = true;
    });
    await expect(tryConnect(host.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(closed).toBe(false);

    probe.slowRelease.open();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("finished");
    await closing;
    expect(closed).toBe(true);
    expect(probe.hookEvents).toEqual(["appStart", "appTerminate"]);
  });

  it("stops waiting for invocations after the shutdown bound, and says so", async () => {
    const { log, entries } = collectingLogger();
    const host = await startLocalHost({
      rootDir: appDir,
      port: 0,
      hostname: "127.0.0.1",
      log,
      localSettingsPath: false,
      shutdownTimeoutMs: 300,
    });
    const abandoned = fetch(`http://127.0.0.1:${host.port}/api/hang`).then(
      (response) => response.status,
      (error: unknown) => error,
    );
    await probe.hangStarted.opened;
    await host.close();
    expect(entries).toContainEqual({
      kind: "host",
      level: "warning",
      message: "1 invocation(s) still running after 300 ms; closing anyway.",
    });
    expect(await abandoned).toBeInstanceOf(Error); // the connection was closed under it
    probe.hangRelease.open();
  });
});

describe("start-up", () => {
  it("says which port is taken", async () => {
    const first = await startLocalHost({
      rootDir: appDir,
      port: 0,
      hostname: "127.0.0.1",
      log: "quiet",
      localSettingsPath: false,
    });
    try {
      await expect(
        startLocalHost({
          rootDir: appDir,
          port: first.port,
          hostname: "127.0.0.1",
          log: "quiet",
          localSettingsPath: false,
        }),
      ).rejects.toThrow(
        `Cannot listen on port ${first.port} (in use: pick another port, or 0 for a free one)`,
      );
    } finally {
      await first.close();
    }
  });
});

describe("the CLI", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("serves the app and exits 0 on %s", async (signal) => {
    const cli = path.join(import.meta.dirname, "../../local/host/cli.ts");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cli, "--root", appDir, "--port", "0", "--hostname", "127.0.0.1"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Host listening on (http:\/\/\S+)\./.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("exit", (code) => {
        reject(new Error(`CLI exited early (${String(code)}):\n${output}`));
      });
    });
    const port = new URL(url).port;
    const response = await fetch(`http://127.0.0.1:${port}/api/hello`);
    expect(response.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill(signal);
    expect(await exited).toBe(0);
    expect(output).toContain("Executed 'Functions.hello' (Succeeded");
  });
});
