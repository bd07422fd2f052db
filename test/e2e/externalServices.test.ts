/**
 * When TABLES_CONNECTION and ServiceBusConnection are set (real Azure, the official emulators, or
 * here the test run's Azurite and an emulator of the test's own), the stack starts neither and
 * leaves them running when it stops.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startServiceBusEmulator, type ServiceBusEmulator } from "../../local/servicebus/index.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import { relationshipViewSchema } from "../../shared/http/views.js";
import { getPartner } from "../../shared/storage/index.js";
import { tableSettingsFor, testTableStore } from "../setup/tables.js";
import { call, issuePartnerKey, probePort, tempStateDir, waitFor, type SigningKey } from "./helpers.js";

const CURRENT: SigningKey = { keyId: "rotated-operator", secret: "rotated-secret-0123456789abcdef-0123" };
const PREVIOUS: SigningKey = { keyId: "previous-operator", secret: "previous-secret-0123456789abcdef-012" };

let emulator: ServiceBusEmulator;
let stack: LocalStack;
let state: Awaited<ReturnType<typeof tempStateDir>>;

beforeAll(async () => {
  emulator = await startServiceBusEmulator({ port: 0 });
  state = await tempStateDir();
  stack = await startLocalStack({
    port: 0,
    env: {
      ...tableSettingsFor(import.meta.url),
      ServiceBusConnection: emulator.connectionString,
      OPERATOR_KEYS: `${CURRENT.keyId}:${CURRENT.secret}, ${PREVIOUS.keyId}:${PREVIOUS.secret}`,
      INVITATION_TTL_DAYS: "14",
    },
    localSettingsPath: false,
    log: () => undefined,
    stateDir: state.dir,
  });
});

afterAll(async () => {
  await stack.close();
  await emulator.close();
  await state.remove();
});

describe("a stack on services that are already running", () => {
  it("starts neither Azurite nor an emulator, and signs with the first configured operator key", () => {
    expect(stack.tables).toEqual({ kind: "external" });
    expect(stack.serviceBus).toEqual({ kind: "external" });
    expect(stack.operatorKey).toEqual({ id: CURRENT.keyId, secret: CURRENT.secret });
    expect(stack.ownOperatorKey).toBe(false);
  });

  it("writes to the given tables and queues through the given Service Bus", async () => {
    // Either operator key signs (rotation).
    const put = await call(stack.baseUrl, PREVIOUS, "PUT", "partners/woodgrove", {
      name: "Woodgrove",
      region: "US",
      cloud: "public",
      kind: "direct",
    });
    expect(put.status).toBe(201);
    expect(await getPartner(testTableStore(import.meta.url), "woodgrove")).toMatchObject({
      name: "Woodgrove",
    });

    const partner = await issuePartnerKey(stack.baseUrl, CURRENT, "woodgrove");
    const customer = await call(stack.baseUrl, partner, "PUT", "customers/litware", {
      name: "Litware",
      region: "US",
      cloud: "public",
      isCspPartner: false,
    });
    expect(customer.status).toBe(201);
    const before = emulator.stats().operations.deliveries;
    const requested = await call(stack.baseUrl, partner, "POST", "relationship-requests", {
      partnerId: "woodgrove",
      customerId: "litware",
      actor: { userId: "ana@woodgrove.example", role: "user-admin" },
      delegatedAdmin: false,
    });
    expect(requested.status).toBe(202);
    const id = (requested.body as { id: string }).id;
    const decided = await waitFor(
      async () =>
        relationshipViewSchema.parse((await call(stack.baseUrl, partner, "GET", `relationships/${id}`)).body),
      (view) => view.status !== "submitted",
    );
    expect(decided.status).toBe("pending");
    // INVITATION_TTL_DAYS reached the app: the invitation expires 14 days after it was sent (REL-3).
    expect(Date.parse(decided.expiresAt ?? "") - Date.parse(decided.updatedAt)).toBe(14 * 86_400_000);
    expect(emulator.stats().operations.deliveries).toBeGreaterThan(before);
  });

  it("leaves the services it did not start running when it stops", async () => {
    await stack.close();
    expect(await probePort(stack.port)).toBe("refused");
    expect(await probePort(emulator.port)).toBe("open");
  });
});
