/** The emulator's sockets send a tick's frames in one write, and every byte in order. */
import { once } from "node:events";
import net, { type AddressInfo, type Socket } from "node:net";
import { describe, expect, it } from "vitest";

import { coalesceWrites } from "../../local/servicebus/coalesced-writes.js";

interface StreamInternals {
  _write(chunk: unknown, encoding: string, callback: () => void): void;
  _writev(chunks: readonly unknown[], callback: () => void): void;
}

async function socketPair(): Promise<{ server: net.Server; near: Socket; far: Socket }> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const far = net.connect((server.address() as AddressInfo).port, "127.0.0.1");
  const [near] = await accepted;
  await once(far, "connect");
  near.setNoDelay(true);
  return { server, near, far };
}

describe("coalesceWrites", () => {
  it("writes a tick's frames with one writev, and keeps their order", async () => {
    const { server, near, far } = await socketPair();
    try {
      coalesceWrites(near);
      const internals = near as unknown as StreamInternals;
      const calls: number[] = [];
      const write = internals._write.bind(near);
      const writev = internals._writev.bind(near);
      internals._write = (chunk, encoding, callback) => {
        calls.push(1);
        write(chunk, encoding, callback);
      };
      internals._writev = (chunks, callback) => {
        calls.push(chunks.length);
        writev(chunks, callback);
      };
      const received: Buffer[] = [];
      far.on("data", (chunk: Buffer) => received.push(chunk));

      near.write(Buffer.from("one,"));
      near.write(Buffer.from("two,"));
      near.write(Buffer.from("three"));
      await new Promise((resolve) => setImmediate(resolve));
      near.write(Buffer.from(";next tick"));
      near.end();
      await once(far, "end");

      expect(calls).toEqual([3, 1]);
      expect(Buffer.concat(received).toString()).toBe("one,two,three;next tick");
    } finally {
      far.destroy();
      server.close();
    }
  });
});
