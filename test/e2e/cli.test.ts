/**
 * The two commands as a developer runs them, as child processes (on the TypeScript sources through
 * tsx; `npm start` runs the same file compiled): `start` prints a curl that works when pasted and
 * stops cleanly on Ctrl+C; `demo` starts its own stack when nothing answers and exits 0 only on a
 * completed migration.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

import { projectRoot } from "../../local/appLocation.js";
import { probePort } from "./helpers.js";

const root = projectRoot(import.meta.url);
const CLI_TIMEOUT_MS = 90_000;

interface RunningCli {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output matches, rejects if the process exits first. */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
}

/** Runs a local/ script with tsx, in an environment without the developer's service settings. */
function runCli(script: string, args: readonly string[], env: Record<string, string>): RunningCli {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(TABLES_|ServiceBusConnection|WEBHOOK_SECRETS|PORT$|INVITATION_TTL_DAYS|SWEEP_SCHEDULE)/.test(
          name,
        ),
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "local", script), ...args], {
    cwd: root,
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      resolve(code);
    }),
  );
  return {
    child,
    output: () => text,
    exited,
    waitForOutput: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (match !== null) {
            listeners.delete(check);
            resolve(match);
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (listeners.delete(check))
            reject(new Error(`Exited (${code}) before printing ${pattern}:\n${text}`));
        });
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === "string") reject(new Error("no port"));
        else resolve(address.port);
      });
    });
  });
}

describe("npm start (local/start.ts)", () => {
  it(
    "prints a signed curl that works when pasted, and stops everything on Ctrl+C with exit code 0",
    async () => {
      const start = runCli("start.ts", [], { PORT: "0" });
      try {
        await start.waitForOutput(/Press Ctrl\+C to stop\./);
        const banner = start.output();
        const baseUrl = /Base URL +(\S+)/.exec(banner)?.[1];
        expect(baseUrl).toMatch(/^http:\/\/localhost:\d+\/api\/$/);
        expect(banner).toMatch(/Webhook secret +local-development-webhook-secret/);
        expect(banner).toMatch(/Health +GET \S+health → 200 ok/);

        const curl = banner.split("\n").find((line) => line.startsWith("BODY="));
        expect(curl).toBeDefined();
        const pasted = await promisify(execFile)("sh", ["-c", curl ?? ""]);
        expect(pasted.stdout).toMatch(/^HTTP\/1\.1 201 Created/);
        expect(pasted.stdout).toContain('"id":"contoso-csp"');

        const ports = [
          Number(new URL(baseUrl ?? "").port),
          Number(/TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)/.exec(banner)?.[1]),
          Number(/sb:\/\/127\.0\.0\.1:(\d+)/.exec(banner)?.[1]),
        ];
        for (const port of ports) expect(await probePort(port)).toBe("open");

        start.child.kill("SIGINT");
        expect(await start.exited).toBe(0);
        expect(start.output()).toContain("Stopped.");
        for (const port of ports) expect(await probePort(port)).toBe("refused");
      } finally {
        if (start.child.exitCode === null) start.child.kill("SIGKILL");
      }
    },
    CLI_TIMEOUT_MS,
  );
});

describe("npm run demo (local/demo.ts)", () => {
  it(
    "starts a stack of its own when nothing answers, and exits 0 with the migration completed",
    async () => {
      const demo = runCli("demo.ts", [], { PORT: String(await freePort()) });
      try {
        expect(await demo.exited).toBe(0);
        const output = demo.output();
        expect(output).toContain("starting a local stack for the demo");
        expect(output).toMatch(/Done: migration mig-\S+ completed\./);
      } finally {
        if (demo.child.exitCode === null) demo.child.kill("SIGKILL");
      }
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "exits 1 when the service it is pointed at does not answer",
    async () => {
      const url = `http://127.0.0.1:${await freePort()}/api/`;
      const demo = runCli("demo.ts", ["--url", url], {});
      try {
        expect(await demo.exited).toBe(1);
        expect(demo.output()).toContain(`Nothing answers at ${url}`);
      } finally {
        if (demo.child.exitCode === null) demo.child.kill("SIGKILL");
      }
    },
    CLI_TIMEOUT_MS,
  );
});
