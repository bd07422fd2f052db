/**
 * The local runtime reaches into rhea's and Azurite's internals, so both are pinned exactly and an
 * upgrade that changes what it uses fails here first.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import rhea from "rhea";
import { describe, expect, it } from "vitest";

import {
  type RheaSender,
  createServerContainer,
  rheaInternalsMissing,
} from "../../local/servicebus/rhea-adapter.js";

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function installedVersion(name: string): string {
  const { version } = require(`${name}/package.json`) as { version: string };
  return version;
}

describe("dependencies whose internals the local runtime uses", () => {
  it.each(["rhea", "azurite"])("pins %s exactly, to the version installed", (name) => {
    const wanted = manifest.dependencies[name] ?? manifest.devDependencies[name];
    expect(wanted).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedVersion(name)).toBe(wanted);
  });

  it("finds Azurite's table server modules where local/azurite.ts loads them", () => {
    for (const path of ["TableServer.js", "TableConfiguration.js"]) {
      const loaded = require(`azurite/dist/src/table/${path}`) as { default?: unknown };
      expect(typeof loaded.default).toBe("function");
    }
  });
});

describe("rhea internals", () => {
  it("are all present on a live server-side sender", async () => {
    const server = createServerContainer("internals-check");
    const attached = new Promise<RheaSender>((resolve) => {
      server.on("sender_open", (event) => {
        if (event.sender) resolve(event.sender);
      });
    });
    const listener = server.listen({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => listener.once("listening", resolve));
    const { port } = listener.address() as AddressInfo;
    const connection = rhea.create_container().connect({ host: "127.0.0.1", port, reconnect: false });
    try {
      connection.open_receiver("anything");
      expect(rheaInternalsMissing(await attached)).toEqual([]);
    } finally {
      connection.close();
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("are named when missing", () => {
    const bare = { connection: {}, session: { incoming: {} } } as unknown as RheaSender;
    expect(rheaInternalsMissing(bare)).toEqual([
      "Connection._register()",
      "Sender._get_drain()",
      "Sender._draining",
      "Session.incoming.on_transfer()",
    ]);
  });
});
