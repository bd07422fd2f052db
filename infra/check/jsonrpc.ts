/**
 * `bicep jsonrpc --stdio`: one long-lived CLI process that compiles on request, so the check and its
 * mutation tests pay the CLI's start-up once. vscode-jsonrpc speaks the protocol (JSON-RPC 2.0 framed
 * by Content-Length headers); zod checks what comes back.
 */
import type { ChildProcessByStdio } from "node:child_process";
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";

import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { z } from "zod";

const position = z.object({ line: z.number(), char: z.number() });
const diagnosticSchema = z.object({
  source: z.string(),
  range: z.object({ start: position, end: position }),
  level: z.string(),
  code: z.string(),
  message: z.string(),
});
export type Diagnostic = z.infer<typeof diagnosticSchema>;
const compileSchema = z.object({ diagnostics: z.array(diagnosticSchema), contents: z.string().nullish() });

/** The values `subscription()`, `tenant()` and friends return in a snapshot; no deployment is made. */
const METADATA = {
  tenantId: "00000000-0000-0000-0000-00000000a11d",
  subscriptionId: "00000000-0000-0000-0000-0000000005cb",
  location: "swedencentral",
};

export class BicepServer {
  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly connection: ReturnType<typeof createMessageConnection>,
    private readonly exited: Promise<unknown>,
  ) {}

  static start(cliPath: string): BicepServer {
    const child = spawn(cliPath, ["jsonrpc", "--stdio"], { stdio: ["pipe", "pipe", "ignore"] });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    // A CLI that cannot start or dies fails the calls waiting on it, not the process.
    const exited = new Promise((resolve) => {
      child.once("error", resolve).once("close", resolve);
    }).then(() => {
      connection.dispose();
    });
    connection.listen();
    return new BicepServer(child, connection, exited);
  }

  private async request<T>(method: string, params: object, schema: z.ZodType<T>): Promise<T> {
    return schema.parse(await this.connection.sendRequest(method, params));
  }

  async version(): Promise<string> {
    return (await this.request("bicep/version", {}, z.object({ version: z.string() }))).version;
  }

  /** Compiles a `.bicep` file; diagnostics hold the compiler's and the linter's findings alike. */
  compile(file: string): Promise<z.infer<typeof compileSchema>> {
    return this.request("bicep/compile", { path: file }, compileSchema);
  }

  /** What a `.bicepparam` file deploys, every expression the CLI can evaluate evaluated. */
  async snapshot(paramsFile: string): Promise<unknown> {
    const params = { path: paramsFile, metadata: METADATA };
    return JSON.parse(
      (await this.request("bicep/getSnapshot", params, z.object({ snapshot: z.string() }))).snapshot,
    );
  }

  /** Ends the CLI process (it exits when its input closes) and waits for it. */
  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }
}
