/**
 * What each kind of storage call the pipeline makes costs Azurite, in CPU ms per call (its process's
 * CPU time, which machine load does not distort the way it distorts rates): the partition query a
 * processor loads a customer with (on the benchmark's own table, and on a small one, since Azurite
 * answers a query by scanning the whole table), a point read, the intake's claim insert, and a
 * commit of a submitted migration (an index upsert and a two-row transaction).
 */
import { historyEntry, type Migration } from "../../shared/domain/index.js";
import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import {
  appendHistory,
  blankCustomerState,
  claim,
  commit,
  getEntity,
  hashRequest,
  loadCustomerState,
  put,
  type TableStore,
} from "../../shared/storage/index.js";
import { round } from "./figures.js";
import { childrenCpu, cpuSince } from "./processCpu.js";
import { customerId, PARTNER_ID, seedMigratableCustomers } from "./world.js";

const CALLS = 400;
const CONCURRENCY = 16;

async function azuriteCpuPerCall(calls: number, work: (index: number) => Promise<unknown>): Promise<number> {
  const before = childrenCpu();
  await mapWithConcurrency(
    Array.from({ length: calls }, (_, index) => index),
    CONCURRENCY,
    work,
  );
  return (cpuSince(before, childrenCpu()).get("azurite") ?? Number.NaN) / calls;
}

function submitted(customer: string, id: string, at: string): Migration {
  return {
    id,
    partnerId: PARTNER_ID,
    customerId: customer,
    requestedBy: { userId: "bob@partner.example", role: "account-admin" },
    status: "submitted",
    relationshipId: null,
    request: [{ subscriptionId: "sub-1", cancelOriginal: "at-term-end" }],
    items: [],
    violations: [],
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Costs on `store` (whose `customers` table holds `customers` migrated customers) and on a small
 * table of `small` (a store with another prefix on the same Azurite).
 */
export async function storageCosts(store: TableStore, customers: number, small: TableStore): Promise<string> {
  const now = new Date();
  const at = now.toISOString();
  const pick = (index: number) => customerId(index % customers);
  await seedMigratableCustomers(small, 100, { termEnd: new Date(now.getTime() + 100 * 86_400_000), now });
  const query = await azuriteCpuPerCall(CALLS, (i) => loadCustomerState(store, pick(i)));
  const smallQuery = await azuriteCpuPerCall(CALLS, (i) => loadCustomerState(small, customerId(i % 100)));
  const pointRead = await azuriteCpuPerCall(CALLS, (i) => getEntity(store, "subscription", pick(i), "sub-1"));
  const claimInsert = await azuriteCpuPerCall(CALLS, (i) =>
    claim(
      store,
      { partnerId: PARTNER_ID, key: `cost-${i}-${at}` },
      hashRequest({ method: "POST", route: "/api/migrations", body: `${i}` }),
      {
        planned: {
          requestId: `mig-cost-${i}`,
          response: { status: 202, headers: { location: `/api/migrations/mig-cost-${i}` }, body: "{}" },
        },
        now,
      },
    ),
  );
  const intakeCommit = await azuriteCpuPerCall(CALLS, (i) => {
    const id = `mig-cost-${i}-${now.getTime()}`;
    return commit(store, blankCustomerState(pick(i)), [
      put.migration(submitted(pick(i), id, at)),
      appendHistory(
        { kind: "migration", id },
        historyEntry(at, "bob@partner.example", null, "submitted", []),
      ),
    ]);
  });
  const parts = [
    `partition query ${round(query, 3)} (${customers} customers in the table) / ${round(smallQuery, 3)} (100 customers)`,
    `point read ${round(pointRead, 3)}`,
    `claim insert ${round(claimInsert, 3)}`,
    `intake commit (index upsert + 2-row transaction) ${round(intakeCommit, 3)}`,
  ];
  return parts.join(", ");
}
