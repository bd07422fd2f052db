/**
 * The term-end sweep against Azurite. Each test has tables of its own, since the sweep reads the
 * whole due index.
 */
import type { PipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";

import { addDays } from "../../../shared/domain/index.js";
import { sweepReportSchema, type SweepTransition } from "../../../shared/http/views.js";
import { runSweep, SweepError } from "../../../shared/pipeline/sweep.js";
import { getEntity, listDue, loadCustomerState, readHistory } from "../../../shared/storage/index.js";
import {
  aSubscription,
  historySteps,
  NOW,
  partitionRows,
  putCatalogue,
  tableRows,
  TERM_END,
  usePipelineRuntime,
} from "../processors/support.js";
import { migratingCustomer, migratingCustomerInParts, waitingCustomer } from "./scenarios.js";

const AFTER_TERM_END = "2025-07-02T00:00:00.000Z";

/** The runtime on tables of the test's own, with the offer catalogue in them. */
async function tablesOfItsOwn(...args: Parameters<typeof usePipelineRuntime>) {
  const world = usePipelineRuntime(...args);
  await putCatalogue(world.store);
  return world;
}

function sorted(transitions: readonly SweepTransition[]): string[] {
  return transitions.map((t) => `${t.customerId} ${t.entity} ${t.id}: ${t.from ?? "null"} → ${t.to}`).sort();
}

describe("the sweep", () => {
  it("expires originals past their term end and completes the migration; immediate items stay as they were", async () => {
    const { store } = await tablesOfItsOwn(import.meta.url, { tables: "a" });
    const early = "2025-05-01T00:00:00.000Z";
    const scenario = await migratingCustomer(store, {
      subscriptions: (customerId) => [
        aSubscription(customerId, "sub-1", { termEnd: early }),
        aSubscription(customerId, "sub-2"),
      ],
      request: [
        { subscriptionId: "sub-1", cancelOriginal: "at-term-end" },
        { subscriptionId: "sub-2", cancelOriginal: "immediately" },
      ],
    });
    const { customerId, migrationId } = scenario;
    const cancelled = (await getEntity(store, "subscription", customerId, "sub-2"))?.value;
    expect(cancelled?.status).toBe("cancelled");

    expect(await runSweep({ asOf: "2025-04-30T23:59:59.999Z", dryRun: false })).toEqual({
      asOf: "2025-04-30T23:59:59.999Z",
      dryRun: false,
      customers: 0,
      transitions: [],
    });

    const report = await runSweep({ asOf: early, dryRun: false });

    expect(sweepReportSchema.parse(report)).toEqual({
      asOf: early,
      dryRun: false,
      customers: 1,
      transitions: [
        {
          entity: "migration",
          customerId,
          id: migrationId,
          from: "awaiting-term-end",
          to: "completed",
          rules: ["MIG-1", "MIG-2"],
        },
        {
          entity: "line-item",
          customerId,
          id: `${migrationId}/sub-1`,
          from: "provisioned",
          to: "original-expired",
          rules: ["MIG-1", "MIG-2"],
        },
        {
          entity: "subscription",
          customerId,
          id: "sub-1",
          from: "active",
          to: "expired",
          rules: ["MIG-1", "MIG-2"],
        },
      ],
    });
    const migration = (await getEntity(store, "migration", customerId, migrationId))?.value;
    expect(migration?.status).toBe("completed");
    expect(migration?.items.map((item) => item.status)).toEqual(["original-expired", "original-cancelled"]);
    expect(await readHistory(store, customerId, { kind: "subscription", id: "sub-1" })).toMatchObject([
      { from: "active", to: "expired", by: "timer", at: early },
    ]);
    // The immediate item was settled when decided: the sweep leaves it and its subscription alone.
    expect((await getEntity(store, "subscription", customerId, "sub-2"))?.value).toEqual(cancelled);
    expect(await historySteps(store, customerId, { kind: "subscription", id: "sub-2" })).toEqual([
      "active → cancelled",
    ]);
  });

  it("expires invitations left unanswered past INVITATION_TTL_DAYS and rejects the migrations waiting on them (REL-3)", async () => {
    const { store } = await tablesOfItsOwn(import.meta.url, {
      tables: "b",
      env: { INVITATION_TTL_DAYS: "30" },
    });
    const { customerId, relationshipId, migrationId } = await waitingCustomer(store);
    const expiry = addDays(NOW, 30);

    expect((await runSweep({ asOf: addDays(NOW, 29), dryRun: false })).transitions).toEqual([]);
    const report = await runSweep({ asOf: expiry, dryRun: false });

    expect(sorted(report.transitions)).toEqual(
      sorted([
        {
          entity: "relationship",
          customerId,
          id: relationshipId,
          from: "pending",
          to: "expired",
          rules: ["REL-3"],
        },
        {
          entity: "migration",
          customerId,
          id: migrationId,
          from: "awaiting-relationship",
          to: "rejected",
          rules: [],
        },
        {
          entity: "line-item",
          customerId,
          id: `${migrationId}/sub-1`,
          from: "planned",
          to: "rejected",
          rules: [],
        },
      ]),
    );
    const state = await loadCustomerState(store, customerId);
    expect(state.relationships.get(relationshipId)?.value.status).toBe("expired");
    expect(state.migrations.get(migrationId)?.value).toMatchObject({
      status: "rejected",
      violations: [{ rule: "REL-3" }],
    });
  });

  it("writes nothing on a dry run, and says what the real run then does", async () => {
    const { store } = await tablesOfItsOwn(import.meta.url, { tables: "c" });
    await migratingCustomer(store);
    await migratingCustomer(store);
    await waitingCustomer(store);
    const asOf = addDays(AFTER_TERM_END, 100);
    const snapshot = async () => [await tableRows(store, "customers"), await tableRows(store, "indexes")];
    const before = await snapshot();

    const dry = await runSweep({ asOf, dryRun: true });

    expect(await snapshot()).toEqual(before);
    expect(dry).toMatchObject({ dryRun: true, customers: 3 });
    const real = await runSweep({ asOf, dryRun: false });
    expect(real.transitions).toEqual(dry.transitions);
    expect(real.transitions.length).toBeGreaterThan(0);
  });

  it("changes nothing when run a second time", async () => {
    const { store } = await tablesOfItsOwn(import.meta.url, { tables: "d" });
    await migratingCustomer(store);
    await waitingCustomer(store);
    const asOf = addDays(AFTER_TERM_END, 100);
    expect((await runSweep({ asOf, dryRun: false })).transitions.length).toBeGreaterThan(0);
    const after = await tableRows(store, "customers");

    expect(await runSweep({ asOf, dryRun: false })).toEqual({
      asOf,
      dryRun: false,
      customers: 0,
      transitions: [],
    });
    expect(await tableRows(store, "customers")).toEqual(after);
  });

  it("never moves anything twice when two sweeps run at once", async () => {
    const { store } = await tablesOfItsOwn(import.meta.url, { tables: "e" });
    const scenarios = await Promise.all(Array.from({ length: 5 }, () => migratingCustomer(store)));
    const once = await runSweep({ asOf: AFTER_TERM_END, dryRun: true });

    const [first, second] = await Promise.all([
      runSweep({ asOf: AFTER_TERM_END, dryRun: false }),
      runSweep({ asOf: AFTER_TERM_END, dryRun: false }),
    ]);

    expect(sorted([...first.transitions, ...second.transitions])).toEqual(sorted(once.transitions));
    for (const { customerId, migrationId } of scenarios) {
      expect(await historySteps(store, customerId, { kind: "migration", id: migrationId })).toEqual([
        "null → submitted",
        "submitted → provisioning",
        "provisioning → awaiting-term-end",
        "sub-1: null → planned",
        "sub-1: planned → provisioned",
        "awaiting-term-end → completed",
        "sub-1: provisioned → original-expired",
      ]);
      expect(await historySteps(store, customerId, { kind: "subscription", id: "sub-1" })).toEqual([
        "active → expired",
      ]);
    }
  });

  it("finishes on the next run what a run that failed on one customer left undone", async () => {
    let failing: string | undefined;
    const { store } = await tablesOfItsOwn(import.meta.url, {
      tables: "f",
      policies: [
        {
          name: "injectedFault",
          sendRequest(request: PipelineRequest, next) {
            const body = typeof request.body === "string" ? request.body : "";
            if (
              failing !== undefined &&
              request.url.endsWith("$batch") &&
              body.includes(`customers(PartitionKey='${failing}'`)
            ) {
              return Promise.reject(new Error(`injected fault: commit for ${failing}`));
            }
            return next(request);
          },
        },
      ],
    });
    const scenarios = await Promise.all(Array.from({ length: 4 }, () => migratingCustomer(store)));
    const victim = scenarios[2]!.customerId;
    const everything = await runSweep({ asOf: AFTER_TERM_END, dryRun: true });
    failing = victim;

    const failure = await runSweep({ asOf: AFTER_TERM_END, dryRun: false }).catch((error: unknown) => error);

    failing = undefined;
    expect(failure).toBeInstanceOf(SweepError);
    const { report, failures } = failure as SweepError;
    expect(failures.map((entry) => entry.customerId)).toEqual([victim]);
    expect(report.transitions.some((t) => t.customerId === victim)).toBe(false);
    expect(report.transitions.length).toBe(
      everything.transitions.filter((t) => t.customerId !== victim).length,
    );
    const victimBefore = await partitionRows(store, victim);
    expect(victimBefore.some((row) => row.status === "expired")).toBe(false);

    const rerun = await runSweep({ asOf: AFTER_TERM_END, dryRun: false });

    expect(sorted(rerun.transitions)).toEqual(
      sorted(everything.transitions.filter((t) => t.customerId === victim)),
    );
    expect(sorted([...report.transitions, ...rerun.transitions])).toEqual(sorted(everything.transitions));
    expect((await runSweep({ asOf: AFTER_TERM_END, dryRun: false })).customers).toBe(0);
  });

  it("removes index entries its customer's state no longer backs, so they are not read every night", async () => {
    const { store, clock } = await tablesOfItsOwn(import.meta.url, { tables: "m" });
    const { customerId, partnerId } = await migratingCustomer(store);
    const indexes = await store.table("indexes");
    // An entry for a migration that is not there (say its commit failed after the entry was written).
    await indexes.upsertEntity({
      partitionKey: `map|${partnerId}`,
      rowKey: `~due|2025-06-01|${customerId}|mig-gone`,
      customerId,
      entityId: "mig-gone",
      dueAt: "2025-06-01T00:00:00.000Z",
    });
    const asOf = "2025-06-02T00:00:00.000Z";
    // Young entries are left alone: their commit may still be on its way.
    await runSweep({ asOf, dryRun: false });
    expect((await listDue(store, "term-end", asOf)).map((entry) => entry.entityId)).toEqual(["mig-gone"]);

    clock.now = new Date(Date.now() + 60 * 60_000);
    const lines: string[] = [];
    expect(await runSweep({ asOf, dryRun: false, log: (line) => lines.push(line) })).toMatchObject({
      customers: 1,
      transitions: [],
    });

    expect(await listDue(store, "term-end", asOf)).toEqual([]);
    expect(lines).toEqual([`customer ${customerId}: removed 1 stale index entr(y/ies)`]);
    expect((await runSweep({ asOf, dryRun: false })).customers).toBe(0);
  });

  it("splits a customer's plan that is too big for one transaction into several, and loses nothing", async () => {
    const { store } = await tablesOfItsOwn(import.meta.url, { tables: "g" });
    // MC-3: license subscriptions of another CSP partner, moved at their term end by three
    // migrations; at the sweep each item is provisioned and its original expires (six rows per
    // item and a history row per entity stepped: more than 100 in all).
    const { customerId, migrationIds, parts } = await migratingCustomerInParts(store, 30);
    const before = await loadCustomerState(store, customerId);
    for (const migrationId of migrationIds) {
      expect(before.migrations.get(migrationId)?.value.items.every((item) => item.status === "planned")).toBe(
        true,
      );
    }
    const dry = await runSweep({ asOf: TERM_END, dryRun: true });

    const report = await runSweep({ asOf: TERM_END, dryRun: false });

    const after = await loadCustomerState(store, customerId);
    expect(
      after.version.tracked && before.version.tracked && after.version.value - before.version.value,
    ).toBeGreaterThan(1);
    expect(sorted(report.transitions)).toEqual(sorted(dry.transitions));
    for (const [index, migrationId] of migrationIds.entries()) {
      const count = parts[index]?.length ?? 0;
      const migration = after.migrations.get(migrationId)?.value;
      expect(migration?.status).toBe("completed");
      expect(migration?.items.every((item) => item.status === "original-expired")).toBe(true);
      const steps = await historySteps(store, customerId, { kind: "migration", id: migrationId });
      expect(steps.filter((step) => step.endsWith("→ original-expired"))).toHaveLength(count);
      expect(steps.filter((step) => step.endsWith("→ provisioned"))).toHaveLength(count);
      expect(new Set(steps).size).toBe(steps.length);
      expect(steps.filter((step) => step === "awaiting-term-end → completed")).toHaveLength(1);
    }
    expect((await runSweep({ asOf: TERM_END, dryRun: false })).customers).toBe(0);
  });
});
