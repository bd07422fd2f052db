/**
 * The two ways the sweep runs — the admin route and the nightly timer, called as the host calls
 * them — each queueing the due customers on the Service Bus emulator, and the queue function that
 * sweeps each, fed what was queued as the host would feed it.
 */
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ADMIN_SWEEP_ACTOR, postSweep } from "../../../functions/postSweep.js";
import { processSweepMessage } from "../../../functions/processSweepMessage.js";
import { sweepSchedule, sweepTimer } from "../../../functions/sweepTimer.js";
import { startServiceBusEmulator, type ServiceBusEmulator } from "../../../local/servicebus/index.js";
import { QUEUES } from "../../../shared/messaging/messages.js";
import { closeServiceBus, sendSweepMessages } from "../../../shared/messaging/sender.js";
import { setRuntimeForTests } from "../../../shared/pipeline/runtime.js";
import { signRequest } from "../../../shared/auth/signing.js";
import { resetConfigForTests } from "../../../shared/config.js";
import { problemSchema } from "../../../shared/http/problem.js";
import { sweepReportSchema } from "../../../shared/http/views.js";
import { getEntity, readHistory } from "../../../shared/storage/index.js";
import { invocation, putCatalogue, tableRows, usePipelineRuntime } from "../processors/support.js";
import { OPERATOR } from "../../setup/callers.js";
import { migratingCustomer } from "./scenarios.js";

const AFTER_TERM_END = "2025-07-02T00:00:00.000Z";

/** The operator's signed request, at the test's clock (the signature's timestamp must be near it). */
function sweepRequest(query: string, now: Date): HttpRequest {
  const pathAndQuery = `/api/admin/sweep${query}`;
  return new HttpRequest({
    method: "POST",
    url: `http://localhost:7071${pathAndQuery}`,
    headers: signRequest({ ...OPERATOR, method: "POST", pathAndQuery, now }),
  });
}

let emulator: ServiceBusEmulator;
let client: ServiceBusClient;

beforeAll(async () => {
  emulator = await startServiceBusEmulator();
  client = new ServiceBusClient(emulator.connectionString);
});

afterAll(async () => {
  await client.close();
  await closeServiceBus();
  await emulator.close();
});

async function world(tables: string) {
  const pipeline = usePipelineRuntime(import.meta.url, {
    tables,
    env: { ServiceBusConnection: emulator.connectionString },
  });
  setRuntimeForTests({ sendSweeps: sendSweepMessages });
  await putCatalogue(pipeline.store);
  return pipeline;
}

/** Delivers what the sweep queued to processSweepMessage, as the host would; the lines it logged. */
async function processQueuedSweeps(expected: number): Promise<string[]> {
  const receiver = client.createReceiver(QUEUES.sweeps, { receiveMode: "receiveAndDelete" });
  const lines: string[] = [];
  try {
    const messages = await receiver.receiveMessages(expected + 1, { maxWaitTimeInMs: 1_000 });
    expect(messages).toHaveLength(expected);
    for (const message of messages) {
      const context = new InvocationContext({
        functionName: "processSweepMessage",
        logHandler: (_level, ...args) => lines.push(args.map(String).join(" ")),
      });
      await processSweepMessage(message.body, context);
    }
  } finally {
    await receiver.close();
  }
  return lines;
}

function timer(isPastDue: boolean): Timer {
  return {
    isPastDue,
    schedule: { adjustForDST: true },
    scheduleStatus: {
      last: "2025-06-30T02:00:00.000Z",
      next: "2025-07-02T02:00:00.000Z",
      lastUpdated: "2025-06-30T02:00:00.000Z",
    },
  };
}

describe("POST /api/admin/sweep", () => {
  it("answers 400 naming every bad query parameter", async () => {
    const { clock } = await world("h");
    const response = await postSweep(
      sweepRequest("?asOf=yesterday&dryRun=maybe", clock.now),
      invocation("postSweep").context,
    );

    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
    const body = problemSchema.parse(JSON.parse(response.body as string));
    expect(body.errors?.map((error) => error.path)).toEqual(["/query/asOf", "/query/dryRun"]);
  });

  it("says what it would do on a dry run, writing nothing", async () => {
    const { store, clock } = await world("i");
    const { customerId, migrationId } = await migratingCustomer(store);
    const before = await tableRows(store, "customers");

    const response = await postSweep(
      sweepRequest(`?asOf=${AFTER_TERM_END}&dryRun=true`, clock.now),
      invocation("postSweep").context,
    );

    expect(response.status).toBe(200);
    const report = sweepReportSchema.parse(response.jsonBody);
    expect(report).toMatchObject({ asOf: AFTER_TERM_END, dryRun: true, customers: 1 });
    expect(report.transitions).toContainEqual(
      expect.objectContaining({ entity: "migration", id: migrationId, to: "completed" }),
    );
    expect(report.transitions.every((transition) => transition.customerId === customerId)).toBe(true);
    expect(await tableRows(store, "customers")).toEqual(before);
  });

  it("sweeps as of now when no asOf is given, naming the operator's sweep in the history", async () => {
    const { store, clock } = await world("j");
    const { customerId, migrationId } = await migratingCustomer(store);
    clock.now = new Date(AFTER_TERM_END);

    const response = await postSweep(sweepRequest("", clock.now), invocation("postSweep").context);

    expect(sweepReportSchema.parse(response.jsonBody)).toEqual({
      asOf: AFTER_TERM_END,
      dryRun: false,
      customers: 1,
      queued: 1,
      transitions: [],
    });
    expect((await getEntity(store, "migration", customerId, migrationId))?.value.status).not.toBe(
      "completed",
    );
    await processQueuedSweeps(1);
    expect((await getEntity(store, "migration", customerId, migrationId))?.value.status).toBe("completed");
    expect(await readHistory(store, customerId, { kind: "subscription", id: "sub-1" })).toMatchObject([
      { to: "expired", by: ADMIN_SWEEP_ACTOR },
    ]);
  });
});

describe("the nightly timer", () => {
  it("catches up on a missed night by sweeping everything due up to now, and logs one line", async () => {
    const { store, clock } = await world("k");
    const { customerId, migrationId } = await migratingCustomer(store);
    clock.now = new Date("2025-07-05T02:00:07.000Z");
    const { context, lines } = invocation("sweepTimer");

    await sweepTimer(timer(true), context);

    expect(lines).toEqual([
      {
        level: "information",
        text: "sweep as of 2025-07-05T02:00:07.000Z (past due, catching up): 1 customer(s) queued for their own sweep",
      },
    ]);
    expect(await processQueuedSweeps(1)).toEqual([
      `sweep of customer ${customerId} as of 2025-07-05T02:00:07.000Z: 1 customer(s), 3 transition(s): 1 migration → completed, 1 line-item → original-expired, 1 subscription → expired`,
    ]);
    expect((await getEntity(store, "migration", customerId, migrationId))?.value.status).toBe("completed");
    // A second run finds nothing due: the customer's sweep moved its index entries.
    await sweepTimer(timer(false), context);
    expect(lines.at(-1)?.text).toContain(": 0 customer(s) queued");
  });

  it("runs on SWEEP_SCHEDULE, and on the default schedule when the setting is absent", async () => {
    await world("l");
    const saved = process.env.SWEEP_SCHEDULE;
    try {
      delete process.env.SWEEP_SCHEDULE;
      resetConfigForTests();
      expect(sweepSchedule()).toBe("0 0 2 * * *");
      process.env.SWEEP_SCHEDULE = "0 30 1 * * *";
      resetConfigForTests();
      expect(sweepSchedule()).toBe("0 30 1 * * *");
    } finally {
      if (saved === undefined) delete process.env.SWEEP_SCHEDULE;
      else process.env.SWEEP_SCHEDULE = saved;
      resetConfigForTests();
    }
  });
});
