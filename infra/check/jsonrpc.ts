/**
 * A client of `bicep jsonrpc --stdio`: one long-lived CLI process that compiles on request, so the
 * check and its mutation tests pay the CLI's start-up (several seconds) once, not per template.
 * Messages are JSON-RPC 2.0 framed by `Content-Length` headers, as in the Language Server Protocol.
 */
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";

import { z } from "zod";

const positionSchema = z.object({ line: z.number(), char: z.number() });

const diagnosticSchema = z.object({
  source: z.string(),
  range: z.object({ start: positionSchema, end: positionSchema }),
  level: z.string(),
  code: z.string(),
  message: z.string(),
});

export type Diagnostic = z.infer<typeof diagnosticSchema>;

const compileResultSchema = z.object({
  success: z.boolean(),
  diagnostics: z.array(diagnosticSchema),
  contents: z.string().nullish(),
});

export type CompileResult = z.infer<typeof compileResultSchema>;

const responseSchema = z.object({
  id: z.number(),
  result: z.unknown().optional(),
  error: z.object({ message: z.string() }).optional(),
});

/** Where a snapshot pretends to deploy: the values `subscription()`, `tenant()` and friends return. */
export interface DeploymentMetadata {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly location: string;
}

const HEADER_END = "\r\n\r\n";

export class BicepServer {
  private readonly waiting = new Map<number, (response: z.infer<typeof responseSchema>) => void>();
  private buffer = Buffer.alloc(0);
  private nextId = 0;
  private exited: Error | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    child.on("exit", (code, signal) => {
      this.fail(new Error(`the Bicep CLI exited (${signal ?? String(code)})`));
    });
    // A CLI that cannot start (not executable, wrong platform) fails every call instead of the process.
    child.on("error", (error) => {
      this.fail(error);
    });
    child.stdin.on("error", (error) => {
      this.fail(error);
    });
  }

  static start(cliPath: string): BicepServer {
    const child = spawn(cliPath, ["jsonrpc", "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    // The CLI logs to stderr; read it so a full pipe cannot stall the process.
    child.stderr.resume();
    return new BicepServer(child);
  }

  async version(): Promise<string> {
    const result = await this.call("bicep/version", {});
    return z.object({ version: z.string() }).parse(result).version;
  }

  /** Compiles a `.bicep` file; diagnostics hold the compiler's and the linter's findings alike. */
  async compile(file: string): Promise<CompileResult> {
    return compileResultSchema.parse(await this.call("bicep/compile", { path: file }));
  }

  /** The deployment a `.bicepparam` file would make, with every expression the CLI can evaluate evaluated. */
  async snapshot(paramsFile: string, metadata: DeploymentMetadata): Promise<string> {
    const result = await this.call("bicep/getSnapshot", { path: paramsFile, metadata });
    return z.object({ snapshot: z.string() }).parse(result).snapshot;
  }

  /** Ends the CLI process and waits for it. */
  async close(): Promise<void> {
    if (this.exited !== undefined || this.child.exitCode !== null) return;
    const exit = new Promise<void>((resolve) =>
      this.child.once("exit", () => {
        resolve();
      }),
    );
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill(), 5_000);
    await exit;
    clearTimeout(timer);
  }

  private fail(reason: Error): void {
    this.exited ??= reason;
    for (const settle of this.waiting.values()) settle({ id: -1, error: { message: reason.message } });
    this.waiting.clear();
  }

  private call(method: string, params: object): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = ++this.nextId;
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (response) => {
        if (response.error === undefined) resolve(response.result);
        else reject(new Error(`${method}: ${response.error.message}`));
      });
      this.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}${HEADER_END}${body}`);
    });
  }

  private drain(): void {
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const length = Number(
        /Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1],
      );
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) return;
      const message: unknown = JSON.parse(this.buffer.subarray(start, start + length).toString("utf8"));
      this.buffer = this.buffer.subarray(start + length);
      const parsed = responseSchema.safeParse(message);
      if (!parsed.success) continue;
      this.waiting.get(parsed.data.id)?.(parsed.data);
      this.waiting.delete(parsed.data.id);
    }
  }
}
