/**
 * Starts Azurite's Table service for tests, `npm start` and benchmarks.
 *
 * In-process by default: loading Azurite's modules takes about 0.5–0.7 s once per process, starting
 * a server about 10 ms, and port 0 works (the real port is read from the server). As a child process
 * it starts in about 0.6 s and has its own event loop and CPU time, which benchmarks may prefer so
 * the service under test and the storage it talks to do not share a thread.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type TableConfigurationModule from "azurite/dist/src/table/TableConfiguration.js";
import type TableServerModule from "azurite/dist/src/table/TableServer.js";

/** The emulator's well-known development account (public, the same in every Azurite). */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** `true` (the default): data lives in memory and is gone after close(); `{ location }`: kept in that folder. */
  readonly inMemory?: true | { readonly location: string };
  /** No access log; default true. */
  readonly silent?: boolean;
  readonly mode?: "in-process" | "child-process";
}

export interface RunningAzurite {
  /** For TABLES_CONNECTION: an account connection string naming this server's table endpoint. */
  readonly connectionString: string;
  readonly port: number;
  readonly tableEndpoint: string;
  /** Stops the server and waits until its port and sockets are closed (or the child has exited). */
  close(): Promise<void>;
}

const DEFAULT_HOST = "127.0.0.1";
/** Azurite's file name for the table database inside a location. */
const TABLE_DB_FILE = "__azurite_db_table__.json";
const CHILD_START_TIMEOUT_MS = 15_000;
const CHILD_STOP_TIMEOUT_MS = 5_000;

export function azuriteConnectionString(port: number, host: string = DEFAULT_HOST): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=${tableEndpoint(port, host)};`;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const settings = {
    host: options.host ?? DEFAULT_HOST,
    port: options.port ?? 0,
    location:
      options.inMemory === undefined || options.inMemory === true ? undefined : options.inMemory.location,
    silent: options.silent ?? true,
  };
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65_535) {
    throw new Error(`Azurite port must be 0–65535, got ${settings.port}`);
  }
  if (settings.location !== undefined) await mkdir(settings.location, { recursive: true });
  return (options.mode ?? "in-process") === "in-process" ? startInProcess(settings) : startChild(settings);
}

interface Settings {
  readonly host: string;
  readonly port: number;
  readonly location: string | undefined;
  readonly silent: boolean;
}

async function startInProcess(settings: Settings): Promise<RunningAzurite> {
  // require, not import(): how an ESM import wraps a CommonJS module differs between Node, tsx and
  // vitest, while require always returns module.exports.
  const require = createRequire(import.meta.url);
  const { default: TableServer } =
    require("azurite/dist/src/table/TableServer.js") as typeof TableServerModule;
  const { default: TableConfiguration } =
    require("azurite/dist/src/table/TableConfiguration.js") as typeof TableConfigurationModule;
  const configuration = new TableConfiguration(
    settings.host,
    settings.port,
    5, // keep-alive seconds, Azurite's default
    // In memory the path is only a name, but Azurite loads the file if one exists there: use none.
    join(settings.location ?? join(tmpdir(), `azurite-memory-${randomUUID()}`), TABLE_DB_FILE),
    false, // debug log
    !settings.silent, // access log (to stdout)
    undefined,
    undefined,
    false, // loose
    false, // skip API version check
    "",
    "",
    "",
    undefined,
    false,
    settings.location === undefined,
  );
  const server = new TableServer(configuration);
  await server.start();
  const address = server.httpServer.address();
  if (address === null || typeof address === "string") throw new Error("Azurite did not report its port");
  let closing: Promise<void> | undefined;
  return running(address.port, settings.host, () => {
    closing ??= (async () => {
      // Azurite's close() starts ending sockets but does not wait for them; the server's own
      // "close" event comes once every connection is gone.
      const closed = new Promise<void>((resolve) =>
        server.httpServer.once("close", () => {
          resolve();
        }),
      );
      await server.close();
      await closed;
    })();
    return closing;
  });
}

async function startChild(settings: Settings): Promise<RunningAzurite> {
  // `--tablePort 0` works but the child never says which port it got: choose one first.
  const port = settings.port === 0 ? await freePort(settings.host) : settings.port;
  const require = createRequire(import.meta.url);
  const args = [
    require.resolve("azurite/dist/src/table/main.js"),
    "--tableHost",
    settings.host,
    "--tablePort",
    String(port),
    "--disableTelemetry",
    ...(settings.silent ? ["--silent"] : []),
    ...(settings.location === undefined ? ["--inMemoryPersistence"] : ["--location", settings.location]),
  ];
  // In memory, Azurite still wants a working folder: keep it out of the repository.
  const child = spawn(process.execPath, args, {
    cwd: settings.location ?? tmpdir(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  await childReady(child, port);
  let closing: Promise<void> | undefined;
  return running(port, settings.host, () => {
    closing ??= stopChild(child);
    return closing;
  });
}

function childReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(
        new Error(`Azurite did not start on port ${port} within ${CHILD_START_TIMEOUT_MS} ms:\n${output}`),
      );
    }, CHILD_START_TIMEOUT_MS);
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("successfully")) succeed();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      fail(
        new Error(
          `Azurite exited before starting (code ${code ?? "none"}, signal ${signal ?? "none"}):\n${output}`,
        ),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onOutput);
      child.off("exit", onExit);
      // Keep draining its output so the child never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const succeed = () => {
      cleanup();
      resolve();
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", onExit);
  });
}

/** SIGINT lets Azurite close its database; SIGKILL if it does not exit in time. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGINT");
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = address !== null && typeof address === "object" ? address.port : 0;
      probe.close(() => {
        if (port === 0) reject(new Error("no free port"));
        else resolve(port);
      });
    });
  });
}

function running(port: number, host: string, close: () => Promise<void>): RunningAzurite {
  return {
    connectionString: azuriteConnectionString(port, host),
    port,
    tableEndpoint: tableEndpoint(port, host),
    close,
  };
}

function tableEndpoint(port: number, host: string): string {
  return `http://${host}:${port}/${AZURITE_ACCOUNT_NAME}`;
}
