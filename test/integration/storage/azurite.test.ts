import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { TableClient } from "@azure/data-tables";
import { afterAll, describe, expect, it } from "vitest";

import { startAzurite, type RunningAzurite } from "../../../local/azurite.js";

function clientOf(azurite: RunningAzurite, table = "probe"): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
}

/** Whether anything accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      resolve(false);
    });
  });
}

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe("startAzurite", () => {
  it("starts in-process on a free port and really stops on close", async () => {
    const azurite = await startAzurite();
    expect(azurite.port).toBeGreaterThan(0);
    expect(azurite.connectionString).toContain(
      `TableEndpoint=http://127.0.0.1:${azurite.port}/devstoreaccount1;`,
    );
    const client = clientOf(azurite);
    await client.createTable();
    await client.upsertEntity({ partitionKey: "p", rowKey: "r", value: 1 });
    expect((await client.getEntity("p", "r")).value).toBe(1);

    await azurite.close();
    await azurite.close(); // idempotent
    expect(await accepts(azurite.port)).toBe(false);
  });

  it("keeps data under a location across restarts, and nothing in memory", async () => {
    const location = await mkdtemp(join(tmpdir(), "azurite-test-"));
    folders.push(location);
    const first = await startAzurite({ inMemory: { location } });
    await clientOf(first).createTable();
    await clientOf(first).upsertEntity({ partitionKey: "p", rowKey: "kept", value: 7 });
    await first.close();

    const second = await startAzurite({ inMemory: { location } });
    expect((await clientOf(second).getEntity("p", "kept")).value).toBe(7);
    await second.close();

    const memory = await startAzurite({ inMemory: true });
    await expect(clientOf(memory).getEntity("p", "kept")).rejects.toMatchObject({ statusCode: 404 });
    await memory.close();
  });

  it("runs as a child process too, and stops it on close", async () => {
    const azurite = await startAzurite({ mode: "child-process" });
    const client = clientOf(azurite, "childprobe");
    await client.createTable();
    await client.upsertEntity({ partitionKey: "p", rowKey: "r", value: 2 });
    expect((await client.getEntity("p", "r")).value).toBe(2);
    await azurite.close();
    expect(await accepts(azurite.port)).toBe(false);
  });

  it("refuses a port that cannot be one", async () => {
    await expect(startAzurite({ port: 70_000 })).rejects.toThrow(/port/);
  });
});
