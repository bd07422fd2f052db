/** Connection and security, as Service Bus does them: SASL ANONYMOUS, then a SAS token per link over CBS. */
import rhea, { type EventContext } from "rhea";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type ServiceBusEmulator, startServiceBusEmulator } from "../../local/servicebus/emulator.js";
import { EMULATOR_KEY, EMULATOR_KEY_NAME, createSasToken } from "../../local/servicebus/sas.js";
import { errorOf, testClient, testQueue } from "./support.js";

const topology = { queues: [testQueue("orders"), testQueue("invoices")] };
let emulator: ServiceBusEmulator;
const log: string[] = [];

beforeAll(async () => {
  emulator = await startServiceBusEmulator({ port: 0, topology, log: (line) => log.push(line) });
});

afterAll(async () => {
  await emulator.close();
});

function endpoint(): string {
  return `sb://127.0.0.1:${emulator.port}`;
}

function sasConnectionString(token: string): string {
  return `Endpoint=${endpoint()};SharedAccessSignature=${token};UseDevelopmentEmulator=true;`;
}

async function sendWith(connectionString: string, queue = "orders"): Promise<void> {
  const client = testClient(connectionString);
  try {
    await client.createSender(queue).sendMessages({ body: "hello" });
  } finally {
    await client.close();
  }
}

describe("connection", () => {
  it("gives a development-emulator connection string with the well-known key on loopback", () => {
    expect(emulator.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessKeyName=${EMULATOR_KEY_NAME};` +
        `SharedAccessKey=${EMULATOR_KEY};UseDevelopmentEmulator=true;`,
    );
    expect(emulator.port).toBeGreaterThan(0);
  });

  it("refuses to listen anywhere but loopback", async () => {
    await expect(startServiceBusEmulator({ host: "0.0.0.0", topology })).rejects.toThrow(/loopback/);
  });

  it("closes promptly with a client still connected", async () => {
    const own = await startServiceBusEmulator({ topology });
    const client = testClient(own.connectionString);
    await client.createSender("orders").sendMessages({ body: 1 });
    await own.close();
    await client.close();
    await expect(
      startServiceBusEmulator({ port: own.port, topology }).then((again) => again.close()),
    ).resolves.toBe(undefined);
  });
});

describe("SAS tokens over CBS", () => {
  it("accepts the configured key", async () => {
    await sendWith(emulator.connectionString);
  });

  it("refuses a wrong key with 401", async () => {
    const error = await errorOf(sendWith(emulator.connectionString.replace(EMULATOR_KEY, "not-the-key")));
    expect(error.code).toBe("UnauthorizedAccess");
    expect(error.message).toMatch(/signature does not match/);
  });

  it("refuses an unknown key name with 401", async () => {
    const error = await errorOf(
      sendWith(emulator.connectionString.replace(EMULATOR_KEY_NAME, "SomeoneElse")),
    );
    expect(error.code).toBe("UnauthorizedAccess");
  });

  it("accepts a valid signed token, and refuses it once expired", async () => {
    const key = { keyName: EMULATOR_KEY_NAME, key: EMULATOR_KEY };
    const inAnHour = Date.now() / 1000 + 3600;
    await sendWith(sasConnectionString(createSasToken(key, endpoint(), inAnHour)));

    const anHourAgo = Date.now() / 1000 - 3600;
    const error = await errorOf(sendWith(sasConnectionString(createSasToken(key, endpoint(), anHourAgo))));
    expect(error.code).toBe("UnauthorizedAccess");
    expect(error.message).toMatch(/expired/);
  });

  it("refuses a token for one queue used on another", async () => {
    const key = { keyName: EMULATOR_KEY_NAME, key: EMULATOR_KEY };
    const token = createSasToken(key, `${endpoint()}/invoices`, Date.now() / 1000 + 3600);
    await sendWith(sasConnectionString(token), "invoices");
    const error = await errorOf(sendWith(sasConnectionString(token), "orders"));
    expect(error.code).toBe("UnauthorizedAccess");
    expect(error.message).toMatch(/does not cover/);
  });

  it("refuses a link to a queue before a token was put for it", async () => {
    // The SDK always puts a token first, so attach as a bare AMQP client would.
    const connection = rhea.create_container().connect({
      host: "127.0.0.1",
      port: emulator.port,
      username: "anonymous",
      reconnect: false,
    });
    try {
      const receiver = connection.open_receiver({ source: { address: "orders" } });
      const condition = await new Promise<string>((resolve) => {
        receiver.on("receiver_error", (context: EventContext) => {
          resolve(String((context.receiver?.error as { condition?: string } | undefined)?.condition));
        });
      });
      expect(condition).toBe("amqp:unauthorized-access");
      expect(log.some((line) => line.includes("put a token on $cbs first"))).toBe(true);
    } finally {
      connection.close();
    }
  });

  it("checks against the key it was started with", async () => {
    const own = await startServiceBusEmulator({ topology, keyName: "app", key: "app-secret" });
    try {
      expect(own.connectionString).toContain("SharedAccessKeyName=app;SharedAccessKey=app-secret;");
      await sendWith(own.connectionString);
      const error = await errorOf(sendWith(own.connectionString.replace("app-secret", EMULATOR_KEY)));
      expect(error.code).toBe("UnauthorizedAccess");
    } finally {
      await own.close();
    }
  });
});
