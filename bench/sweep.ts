/**
 * Sweep scaling: 10,000 and 100,000 subscriptions (1,000,000 with --large), 1% due, each size in a
 * fresh Azurite. The world is seeded through the storage layer (see lib/sweepWorld.ts); then
 * `runSweep({ asOf })` runs once for real and once more (which must find nothing).
 *
 * Reads and writes are counted at the HTTP level by a policy on the sweep's store (lib/counting.ts):
 * entities read = rows in every GET's response (a point read is one), entities written = operations
 * in every $batch plus single writes. Round trips by the storage layer's own counter.
 */
import { CustomerTokenVerifier } from "../shared/auth/customerToken.js";
import { Keyring } from "../shared/auth/keyring.js";
import { loadConfig } from "../shared/config.js";
import { ReferenceCache } from "../shared/pipeline/referenceCache.js";
import type { Runtime } from "../shared/pipeline/runtime.js";
import { runSweep } from "../shared/pipeline/sweep.js";
import { RoundTripCounter } from "../shared/storage/index.js";
import { entityCounter } from "./lib/counting.js";
import { figure, round, since, type Figure } from "./lib/figures.js";
import { childrenCpu, cpuSince } from "./lib/processCpu.js";
import { startProfiling } from "./lib/profile.js";
import { startBenchServices } from "./lib/services.js";
import { AS_OF, seedSweepWorld } from "./lib/sweepWorld.js";

export interface SweepBenchOptions {
  readonly sizes: readonly number[];
  /** "stock" Azurite scans the whole table for every query; "indexed" seeks the partition, as Table Storage does. */
  readonly azurite: "stock" | "indexed";
}

const PREFIX = "benchsweep";

export async function sweepBench(options: SweepBenchOptions): Promise<Figure[]> {
  const figures: Figure[] = [
    figure(
      "sweep world",
      "10 license subscriptions per customer, one migration per customer (awaiting-term-end), 1% of subscriptions due, one per due customer",
    ),
  ];
  figures.push(
    figure(
      "sweep azurite",
      options.azurite === "stock"
        ? "stock (answers each partition query by scanning the whole table)"
        : "partition-indexed (single-partition queries seek the partition, as Table Storage does; bench/lib/indexedAzurite.ts)",
    ),
  );
  for (const size of options.sizes) figures.push(...(await sweepAtSize(size, options.azurite)));
  return figures;
}

async function sweepAtSize(size: number, azurite: SweepBenchOptions["azurite"]): Promise<Figure[]> {
  const services = await startBenchServices(azurite === "indexed" ? { azurite: "indexed" } : {});
  try {
    const seedStart = performance.now();
    const world = await seedSweepWorld(services.store(PREFIX), size, {
      onProgress: (done) => {
        if (done % 10_000 === 0) process.stderr.write(`sweep ${size}: ${done} customers seeded\n`);
      },
    });
    const seedSeconds = since(seedStart) / 1000;

    const entities = entityCounter();
    const roundTrips = new RoundTripCounter();
    const store = services.store(PREFIX, { counter: roundTrips, policies: [entities.policy] });
    const config = loadConfig(services.appSettings(PREFIX));
    const runtime: Runtime = {
      config,
      store,
      reference: new ReferenceCache(store),
      keyring: new Keyring(config, store),
      tokens: new CustomerTokenVerifier({
        issuers: config.TRUSTED_TOKEN_ISSUERS,
        audience: config.CUSTOMER_TOKEN_AUDIENCE,
      }),
      partnerCenterSignatures: undefined,
      partnerCenter: undefined,
      now: () => AS_OF,
      send: () => Promise.reject(new Error("the sweep sends nothing")),
      sendSweeps: () => Promise.reject(new Error("this sweep runs in process")),
      sendLater: () => Promise.reject(new Error("this sweep runs in process")),
      // The events go nowhere; clearing them from the outbox is counted with the sweep's round trips.
      sendEvents: () => Promise.resolve(),
    };
    // Open the tables first, so the timed run does not count their creation.
    await Promise.all([store.table("customers"), store.table("indexes")]);
    roundTrips.reset();
    entities.reset();

    const childrenBefore = childrenCpu();
    const cpuBefore = process.cpuUsage();
    const profiling = await startProfiling(`sweep-${size}`);
    const start = performance.now();
    const report = await runSweep({ asOf: AS_OF, dryRun: false, runtime });
    const seconds = since(start) / 1000;
    await profiling.stop();
    const azuriteMs = cpuSince(childrenBefore, childrenCpu()).get("azurite");
    const cpu = process.cpuUsage(cpuBefore);
    const first = { ...entities.counts };
    const firstTrips = roundTrips.snapshot();

    entities.reset();
    roundTrips.reset();
    const again = await runSweep({ asOf: AS_OF, dryRun: false, runtime });

    const expired = report.transitions.filter(
      (t) => t.entity === "subscription" && t.to === "expired",
    ).length;
    const due = world.dueSubscriptions;
    const reads = firstTrips.byKind["point-read"] + firstTrips.byKind.query;
    const name = `sweep ${size}`;
    return [
      figure(`${name} seed seconds`, round(seedSeconds, 1)),
      figure(`${name} due subscriptions`, due),
      figure(`${name} due customers`, world.dueCustomers),
      figure(`${name} originals expired`, expired),
      figure(`${name} seconds`, round(seconds, 2)),
      figure(`${name} due per second`, round(due / seconds, 1)),
      figure(`${name} read round trips`, reads),
      figure(`${name} read round trips per due`, round(reads / due, 3)),
      figure(`${name} entities read`, first.entitiesRead),
      figure(`${name} entities read per due`, round(first.entitiesRead / due, 2)),
      figure(`${name} write round trips`, first.writeRequests),
      figure(`${name} entities written`, first.entitiesWritten),
      figure(`${name} entities written per due`, round(first.entitiesWritten / due, 2)),
      figure(`${name} sweep process CPU ms per due`, round((cpu.user + cpu.system) / 1000 / due, 2)),
      figure(`${name} azurite CPU ms per due`, azuriteMs === undefined ? "?" : round(azuriteMs / due, 2)),
      figure(
        `${name} second run`,
        `${again.customers} customers, ${again.transitions.length} transitions, ${entities.counts.readRequests} read round trips, ${entities.counts.entitiesRead} entities read, ${entities.counts.entitiesWritten} written`,
      ),
    ];
  } finally {
    await services.close();
  }
}
