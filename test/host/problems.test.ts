/** What the host answers itself, before any function runs, is an RFC 9457 problem document. */
import { connect } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";
import { collectingLogger, fixturesDir, invocationsOf } from "./helpers.js";

const { log, entries } = collectingLogger();
let host: LocalHost;
let base: string;

beforeAll(async () => {
  host = await startLocalHost({
    rootDir: path.join(fixturesDir, "httpApp"),
    port: 0,
    hostname: "127.0.0.1",
    log,
    localSettingsPath: false,
    maxRequestBodyBytes: 1024,
  });
  base = `http://127.0.0.1:${host.port}/api`;
});

afterAll(async () => {
  await host.close();
});

async function expectProblem(response: Response, status: number, title: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ type: "about:blank", title, status });
  expect(typeof problem.detail).toBe("string");
}

/** Writes `request` on a fresh connection and returns everything the host sends back. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
  });
}

describe("problem documents", () => {
  it("answers a path with no function 404", async () => {
    await expectProblem(await fetch(`${base}/nowhere`), 404, "Not Found");
  });

  it("answers a method the route does not take 405", async () => {
    const response = await fetch(`${base}/partners/p-1`, { method: "DELETE" });
    await expectProblem(response, 405, "Method Not Allowed");
  });

  it("answers a body over the limit 413 without running the function", async () => {
    const before = invocationsOf(entries, "echo").length;
    const response = await fetch(`${base}/echo`, { method: "POST", body: Buffer.alloc(1025, 1) });
    await expectProblem(response, 413, "Payload Too Large");
    expect(invocationsOf(entries, "echo")).toHaveLength(before);
  });

  it("answers headers over Node's limit 431, written by the host rather than Node", async () => {
    const before = invocationsOf(entries, "hello").length;
    const reply = await rawExchange(
      `GET /api/hello HTTP/1.1\r\nhost: localhost\r\nx-big: ${"a".repeat(32 * 1024)}\r\n\r\n`,
    );
    const [head = "", body = ""] = reply.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain("content-type: application/problem+json");
    expect(JSON.parse(body)).toMatchObject({
      type: "about:blank",
      title: "Request Header Fields Too Large",
      status: 431,
    });
    expect(invocationsOf(entries, "hello")).toHaveLength(before);
  });

  it("answers a request that is not HTTP 400", async () => {
    const reply = await rawExchange("NOT HTTP AT ALL\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(reply.split("\r\n\r\n")[1] ?? "")).toMatchObject({ status: 400 });
  });
});
