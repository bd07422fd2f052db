/**
 * By design (shared/storage/README.md): the sweep's cost grows with what is due, not with how many customers and
 * subscriptions exist. Measured by what Azurite returns: every entity a query or point read brings
 * back is counted, as are round trips.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";

import { runSweep } from "../../../shared/pipeline/sweep.js";
import { RoundTripCounter } from "../../../shared/storage/index.js";
import { aSubscription, putCatalogue, usePipelineRuntime } from "../processors/support.js";
import { mapWithConcurrency } from "../../../shared/pipeline/concurrency.js";
import { migratingCustomer } from "./scenarios.js";
import { uniqueId } from "../../setup/tables.js";

const DUE_TERM_END = "2025-05-01T00:00:00.000Z";
const LATER_TERM_END = "2025-07-01T00:00:00.000Z";
const AS_OF = "2025-05-02T00:00:00.000Z";
const DUE = 3;

/** Counts the entities each GET brings back (a point read is one, a query its `value` rows). */
function entityCounter(): { policy: PipelinePolicy; read: { entities: number } } {
  const read = { entities: 0 };
  return {
    read,
    policy: {
      name: "entitiesRead",
      async sendRequest(request, next) {
        const response = await next(request);
        if (request.method === "GET" && response.status === 200 && response.bodyAsText) {
          const body = JSON.parse(response.bodyAsText) as { value?: unknown[] };
          read.entities += Array.isArray(body.value) ? body.value.length : 1;
        }
        return response;
      },
    },
  };
}

describe("what the sweep reads", () => {
  it("follows what is due, not how many customers and subscriptions there are", async () => {
    const entities = entityCounter();
    const counter = new RoundTripCounter();
    const { store } = usePipelineRuntime(import.meta.url, {
      tables: "r",
      policies: [entities.policy],
      counter,
    });
    await putCatalogue(store);
    // One partner's customers: the due entries are read partner by partner (shared/storage/README.md).
    const partnerId = uniqueId("partner");
    const customers = async (count: number, termEnd: string) =>
      mapWithConcurrency(Array.from({ length: count }), 4, () =>
        migratingCustomer(store, {
          partnerId,
          subscriptions: (id) => [aSubscription(id, "sub-1", { termEnd })],
        }),
      );
    const measure = async () => {
      entities.read.entities = 0;
      counter.reset();
      const report = await runSweep({ asOf: AS_OF, dryRun: true });
      return { report, entities: entities.read.entities, roundTrips: counter.total };
    };

    await customers(DUE, DUE_TERM_END);
    await customers(7, LATER_TERM_END);
    const few = await measure();
    await customers(20, LATER_TERM_END);
    const many = await measure();

    expect(few.report.customers).toBe(DUE);
    expect(many.report).toEqual(few.report);
    // Three times the customers, the same reads: per kind (term end, invitation) the partners and one
    // due-range query per partner, then one partition load per due customer.
    expect(many.entities).toBe(few.entities);
    expect(many.roundTrips).toBe(few.roundTrips);
    expect(few.roundTrips).toBe(2 * (1 + 1) + DUE);
    // The partner's row, once per kind; each due partition: version, profile, two subscriptions,
    // relationship, migration; plus its index entry.
    expect(few.entities).toBe(2 + DUE * (6 + 1));
  });
});
