/**
 * The two commands as a developer runs them, as child processes (on the TypeScript sources through
 * tsx; `npm start` runs the same file compiled): `start` prints the operator's signed curls — register
 * a partner, issue its key — that work when pasted, and stops cleanly on Ctrl+C; `demo` starts its
 * own stack when nothing answers and exits 0 only on a completed migration.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

import { projectRoot } from "../../local/appLocation.js";
import { partnerKeyIssuedSchema } from "../../shared/http/views.js";
import { call, probePort } from "./helpers.js";

const root = projectRoot(import.meta.url);
const CLI_TIMEOUT_MS = 90_000;

interface RunningCli {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output matches, rejects if the process exits first. */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
}

/** Keys and the identity provider's key for the CLIs under test: never the checkout's own `.local/`. */
const stateDir = mkdtempSync(path.join(tmpdir(), "csp-cli-"));
afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

/** Runs a local/ script with tsx, in an environment without the developer's service settings. */
function runCli(script: string, args: readonly string[], env: Record<string, string>): RunningCli {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(TABLES_|ServiceBusConnection|OPERATOR_KEYS$|PARTNER_KEY_MASTER$|CUSTOMER_TOKEN_AUDIENCE$|TRUSTED_TOKEN_ISSUERS$|PORT$|HOST$|INVITATION_TTL_DAYS|SWEEP_SCHEDULE)/.test(
          name,
        ),
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "local", script), ...args], {
    cwd: root,
    env: { ...clean, LOCAL_STATE_DIR: stateDir, ...env },
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
    "prints the operator's signed curls that work when pasted, and stops everything on Ctrl+C with exit code 0",
    async () => {
      const start = runCli("start.ts", [], { PORT: "0" });
      try {
        await start.waitForOutput(/Press Ctrl\+C to stop\./);
        const banner = start.output();
        const baseUrl = /Base URL +(\S+)/.exec(banner)?.[1];
        expect(baseUrl).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):\d+\/api\/$/);
        const operatorKey = /Operator key +([^\s:]+):(\S+)/.exec(banner);
        expect(operatorKey?.[2]?.length).toBeGreaterThanOrEqual(32);
        expect(banner).toContain("the stack's development key");
        expect(banner).toMatch(/Health +GET \S+health → 200 ok/);
        expect(banner).toContain("npm run token -- --customer <customerId>");

        const curls = banner.split("\n").filter((line) => line.startsWith("KEY_ID="));
        expect(curls).toHaveLength(2);
        const [putPartner = "", issueKey = ""] = curls;
        expect(putPartner).toContain("-X PUT");
        expect(issueKey).toContain("-X POST");
        const sh = (script: string) => promisify(execFile)("sh", ["-c", script]);

        // The operator registers the partner...
        const registered = await sh(putPartner);
        expect(registered.stdout).toMatch(/^HTTP\/1\.1 201 Created/);
        expect(registered.stdout).toContain('"id":"contoso-csp"');
        // ...pasted again, the same request updates it.
        expect((await sh(putPartner)).stdout).toMatch(/^HTTP\/1\.1 200 OK/);

        // ...and issues its portal a key: the secret is in this answer only.
        const issued = await sh(issueKey);
        expect(issued.stdout).toMatch(/^HTTP\/1\.1 201 Created/);
        const key = partnerKeyIssuedSchema.parse(JSON.parse(issued.stdout.slice(issued.stdout.indexOf("{"))));
        expect(key.partnerId).toBe("contoso-csp");
        expect(key.keyId).toMatch(/^pk_[a-z0-9]{26}$/);
        expect(key.secret.length).toBeGreaterThanOrEqual(32);
        // The answer's key signs the partner's own requests the same way.
        const customer = await call(baseUrl ?? "", key, "PUT", "customers/northwind-cli", {
          name: "Northwind Traders",
          region: "US",
          cloud: "public",
          isCspPartner: false,
        });
        expect(customer.status).toBe(201);

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
