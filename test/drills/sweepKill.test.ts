/**
 * Drill: the nightly run queues one message per due customer; the instance that took the big
 * customer's message is killed half way — its last transaction lands but it never learns so, and it
 * writes nothing more (no index clean-up) — while another instance works through every message, the
 * big one included (its lock ran out); then Service Bus delivers the killed message again. No
 * original is retired twice, none is missed, and once the grace period has passed, the index holds
 * nothing due.
 *
 * test/pipeline/sweep/sweep.test.ts covers two healthy sweeps at once and a run that failed on one
 * customer; this drill kills a run part way through everything, mid-way through a customer whose
 * plan takes several transactions too.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";

import type { SweepTransition } from "../../shared/http/views.js";
import type { SweepMessage } from "../../shared/messaging/messages.js";
import { queueSweep, runSweep, sweepQueuedCustomer } from "../../shared/pipeline/sweep.js";
import { runtime } from "../../shared/pipeline/runtime.js";
import { createTableStore, listDue, loadCustomerState } from "../../shared/storage/index.js";
import { historySteps, putCatalogue, TERM_END, usePipelineRuntime } from "../pipeline/processors/support.js";
import { migratingCustomer, migratingCustomerInParts, type Scenario } from "../pipeline/sweep/scenarios.js";
import { tablesConnection } from "../setup/tables.js";
import { customerTransaction } from "./faults.js";

const AS_OF = TERM_END;
/** Six migrations of 12 items: the customer's sweep takes several transactions (one row per entity stepped). */
const SPLIT_ITEMS = 72;

/**
 * Lets the sweep write until its `transactions`-th transaction on `customerId`'s partition: that one
 * lands, its answer is lost, and every request after it is refused — the process is gone.
 */
function killSwitch(
  customerId: string,
  transactions: number,
): { policy: PipelinePolicy; killed: () => boolean; firstLanded: Promise<void> } {
  const onCustomer = customerTransaction(customerId);
  let seen = 0;
  let dead = false;
  let landed: () => void = () => undefined;
  const firstLanded = new Promise<void>((resolve) => {
    landed = resolve;
  });
  return {
    killed: () => dead,
    firstLanded,
    policy: {
      name: "killSwitch",
      async sendRequest(request, next) {
        if (dead) throw new Error("killed: this sweep's process is gone");
        const isTransaction = onCustomer(request);
        if (!isTransaction) return next(request);
        seen += 1;
        if (seen < transactions) {
          const response = await next(request);
          landed();
          return response;
        }
        await next(request);
        dead = true;
        throw new Error("killed right after a transaction landed");
      },
    },
  };
}

function line(t: SweepTransition): string {
  return `${t.customerId} ${t.entity} ${t.id}: ${t.from ?? "null"} → ${t.to}`;
}

async function expectRetiredOnce(
  store: ReturnType<typeof createTableStore>,
  scenario: Pick<Scenario, "customerId" | "migrationId">,
  items: readonly string[],
) {
  const { customerId, migrationId } = scenario;
  const state = await loadCustomerState(store, customerId);
  expect(state.migrations.get(migrationId)?.value.status, customerId).toBe("completed");
  const steps = await historySteps(store, customerId, { kind: "migration", id: migrationId });
  expect(new Set(steps).size, `${customerId}: ${steps.join(", ")}`).toBe(steps.length);
  expect(steps.filter((step) => step.endsWith("→ completed"))).toHaveLength(1);
  for (const item of items) {
    expect(
      steps.filter((step) => step.startsWith(`${item}: `) && step.endsWith("→ original-expired")),
    ).toHaveLength(1);
    expect(state.subscriptions.get(item)?.value.status).toBe("expired");
    expect(await historySteps(store, customerId, { kind: "subscription", id: item })).toEqual([
      "active → expired",
    ]);
  }
}

describe("drill: a sweep killed half way, beside another sweep, then run again", () => {
  it("retires every due original exactly once", { timeout: 60_000 }, async () => {
    const { store } = usePipelineRuntime(import.meta.url, { tables: "kill" });
    await putCatalogue(store);
    const plain = await Promise.all(Array.from({ length: 10 }, () => migratingCustomer(store)));
    const split = await migratingCustomerInParts(store, SPLIT_ITEMS);
    const planned = await runSweep({ asOf: AS_OF, dryRun: true });
    // Killed in the middle of the customer whose plan takes several transactions.
    const kill = killSwitch(split.customerId, 2);
    const doomed = {
      ...runtime(),
      store: createTableStore({
        connection: { kind: "connection-string", connectionString: tablesConnection() },
        prefix: store.prefix,
        policies: [kill.policy],
      }),
    };

    const queued: SweepMessage[] = [];
    const queuing = {
      ...runtime(),
      sendSweeps: (messages: readonly SweepMessage[]) => {
        queued.push(...messages);
        return Promise.resolve();
      },
    };
    expect(await queueSweep({ asOf: AS_OF, runtime: queuing })).toMatchObject({ customers: 11, queued: 11 });
    const bigOne = queued.find((message) => message.customerId === split.customerId);
    if (bigOne === undefined) throw new Error("the big customer was not queued");

    const doomedRun = sweepQueuedCustomer(bigOne, { runtime: doomed });
    // The other instance starts once the doomed one is inside the big customer, so both work on it.
    await Promise.race([kill.firstLanded, doomedRun.catch(() => undefined)]);
    const [killed, beside] = await Promise.allSettled([
      doomedRun,
      Promise.all(queued.map((message) => sweepQueuedCustomer(message))),
    ]);
    expect(kill.killed()).toBe(true);
    expect(killed.status).toBe("rejected");
    if (beside.status !== "fulfilled") throw beside.reason;

    const redelivered = await sweepQueuedCustomer(bigOne);
    const done = [...beside.value.flat(), ...redelivered].map(line);
    const all = planned.transitions.map(line);
    // Reported once at most; what the killed run landed is in no report, so "at most" is all one can say here.
    expect(new Set(done).size).toBe(done.length);
    expect(done.every((transition) => all.includes(transition))).toBe(true);
    for (const scenario of plain) await expectRetiredOnce(store, scenario, ["sub-1"]);
    for (const [index, migrationId] of split.migrationIds.entries()) {
      await expectRetiredOnce(store, { customerId: split.customerId, migrationId }, split.parts[index] ?? []);
    }

    // Entries the killed run never cleaned lead nowhere; past the grace period a sweep removes them.
    const later = { ...runtime(), now: () => new Date(Date.now() + 10 * 60_000) };
    expect((await runSweep({ asOf: AS_OF, dryRun: false, runtime: later })).transitions).toEqual([]);
    expect(await listDue(store, "term-end", AS_OF)).toEqual([]);
  });
});
