/**
 * Where the host listens: loopback 127.0.0.1 unless HOST says otherwise. Linux routes all of 127/8
 * to loopback, so 127.0.0.2 tells a 127.0.0.1-only listener from one on every interface.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";
import { fixturesDir } from "./helpers.js";

const started: LocalHost[] = [];
const hostBefore = process.env.HOST;

afterEach(async () => {
  if (hostBefore === undefined) delete process.env.HOST;
  else process.env.HOST = hostBefore;
  await Promise.all(started.splice(0).map((host) => host.close()));
});

async function start(): Promise<LocalHost> {
  const host = await startLocalHost({
    rootDir: path.join(fixturesDir, "httpApp"),
    port: 0,
    log: "quiet",
    localSettingsPath: false,
  });
  started.push(host);
  return host;
}

/** The status the host answers at `address`, or the connection error's code. */
async function reach(address: string, port: number): Promise<number | string> {
  try {
    return (await fetch(`http://${address}:${port}/api/hello`)).status;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(error);
  }
}

describe("listening", () => {
  it("binds 127.0.0.1 only by default", async () => {
    delete process.env.HOST;
    const host = await start();
    expect(await reach("127.0.0.1", host.port)).toBe(200);
    expect(await reach("127.0.0.2", host.port)).toBe("ECONNREFUSED");
  });

  it("binds the address HOST names", async () => {
    process.env.HOST = "127.0.0.2";
    const host = await start();
    expect(await reach("127.0.0.2", host.port)).toBe(200);
    expect(await reach("127.0.0.1", host.port)).toBe("ECONNREFUSED");
  });

  it("binds every interface when HOST says 0.0.0.0", async () => {
    process.env.HOST = "0.0.0.0";
    const host = await start();
    expect(await reach("127.0.0.2", host.port)).toBe(200);
  });
});
