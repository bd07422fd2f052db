/**
 * Portfolio figures (readiness, bulk and the customer map), on partition-indexed Azurite (as Table
 * Storage seeks a partition and a key; lib/indexedAzurite.ts), the emulator in a process of its own:
 *
 * - a page of 100 of a partner's customer map holding MAP_CUSTOMERS (100,000) customers: signed GETs
 *   through the host, each page's read round trips (counted by the storage layer) and latency. The
 *   map rows are seeded straight into the map partition, 100 a transaction, 50 transactions at once
 *   (the rows a commit would write for a customer with one licence and an active relationship), and
 *   read first, on an idle host: the counter is process-wide, so a page whose request overlapped any
 *   other function's invocation (the outbox relay's timer) is left out and another read instead.
 * - a bulk migration of 5,000 items over 1,000 customers (5 licences each, an active relationship),
 *   end to end: one signed POST /api/bulk-migrations to the local host, its chunks fanned out on the
 *   bulk queue, each customer's migration through the intake and the processor, until every one is
 *   decided (awaiting-term-end). Unpaced (BULK_MIGRATIONS_PER_MINUTE=0): pacing is for Partner
 *   Center's limits when its gateway is live, and would only measure the pace. Table round trips
 *   counted by the storage layer's own counter, over the whole run, per item. The bulk's customers
 *   join the same partner's map (101,000 then).
 */
import type { HostLogEntry } from "../local/host/logging.js";
import { signRequest } from "../shared/auth/signing.js";
import { historyEntry } from "../shared/domain/index.js";
import { mapWithConcurrency } from "../shared/pipeline/concurrency.js";
import { MAP_PREFIX, summarizeCustomer } from "../shared/storage/customerMap.js";
import type { IndexEntry } from "../shared/storage/indexPlan.js";
import { writeIndexEntries } from "../shared/storage/indexes.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  put,
  tableRoundTrips,
  type TableStore,
} from "../shared/storage/index.js";
import { figure, percentile, round, since, type Figure } from "./lib/figures.js";
import { BENCH_PARTNER_KEY, seedBenchPartnerKey } from "./lib/http.js";
import { startBenchServices } from "./lib/services.js";
import {
  aCustomer,
  aLicenseSubscription,
  anActiveRelationship,
  customerId,
  PARTNER_ID,
  putReference,
} from "./lib/world.js";
import { processedCounter } from "./pipeline.js";

const PREFIX = "benchport";
const DAY_MS = 86_400_000;
/** BENCH_PORTFOLIO_SCALE (0–1] shrinks both runs, for a quick look. */
const SCALE = Number(process.env.BENCH_PORTFOLIO_SCALE ?? "1");
const BULK_CUSTOMERS = Math.max(1, Math.round(1_000 * SCALE));
const ITEMS_PER_CUSTOMER = 5;
/** BENCH_PORTFOLIO_MAP_CUSTOMERS changes the map's size (at least 1,000). */
const MAP_CUSTOMERS = Math.max(
  1_000,
  Math.round(Number(process.env.BENCH_PORTFOLIO_MAP_CUSTOMERS ?? "100000") * SCALE),
);
/** Map rows written together: 50 transactions of 100 in flight. */
const MAP_SEED_CHUNK = 5_000;
const MAP_PAGE = 100;
const MAP_PAGES = 50;

export async function portfolioBench(): Promise<Figure[]> {
  const services = await startBenchServices({ azurite: "indexed" });
  const store = services.store(PREFIX);
  const now = new Date();
  try {
    await putReference(store);
    await seedBenchPartnerKey(store);
    const seedStart = performance.now();
    await seedMap(store, now);
    const seedSeconds = since(seedStart) / 1000;
    progress(`seeded ${MAP_CUSTOMERS} map rows in ${Math.round(seedSeconds)} s`);
    await seedBulkCustomers(store, now);
    progress(`seeded ${BULK_CUSTOMERS} customers`);
    const processed = processedCounter();
    const invocations = invocationLog();
    const { startLocalStack } = await import("../local/stack.js");
    const stack = await startLocalStack({
      port: 0,
      env: { ...services.appSettings(PREFIX), BULK_MIGRATIONS_PER_MINUTE: "0" },
      localSettingsPath: false,
      log: (entry) => {
        processed.log(entry);
        invocations.log(entry);
      },
    });
    try {
      const map = await mapPages(stack.baseUrl, invocations);
      progress("map pages read");
      const bulk = await bulkRun(stack.baseUrl, processed);
      return [
        figure("portfolio azurite", "partition-indexed (lib/indexedAzurite.ts)"),
        figure("map customers seeded (rows, 100 a transaction, 50 at once)", MAP_CUSTOMERS),
        figure("map seed seconds", round(seedSeconds, 1)),
        ...map,
        ...bulk,
      ];
    } finally {
      await stack.close();
    }
  } finally {
    await services.close();
  }
}

async function bulkRun(baseUrl: string, processed: ReturnType<typeof processedCounter>): Promise<Figure[]> {
  const items = Array.from({ length: BULK_CUSTOMERS }, (_, c) =>
    Array.from({ length: ITEMS_PER_CUSTOMER }, (_, i) => ({
      customerId: customerId(c),
      subscriptionId: `sub-${i}`,
      cancelOriginal: "at-term-end",
    })),
  ).flat();
  const body = JSON.stringify({
    partnerId: PARTNER_ID,
    externalReferenceId: "bench-bulk",
    actor: { userId: "bob@partner.example", role: "account-admin" },
    items,
  });
  const roundTrips = tableRoundTrips();
  roundTrips.reset();
  const start = performance.now();
  const answer = await signedFetch(new URL("bulk-migrations", baseUrl), "POST", body, "bench-bulk");
  const answeredMs = since(start);
  if (answer.status !== 202) throw new Error(`bulk POST answered ${answer.status}: ${await answer.text()}`);
  progress(`bulk POST answered in ${Math.round(answeredMs)} ms`);
  await processed.reach(BULK_CUSTOMERS, 600_000);
  const seconds = since(start) / 1000;
  const trips = roundTrips.total;
  const total = items.length;
  return [
    figure("bulk items (customers)", `${total} (${BULK_CUSTOMERS})`),
    figure("bulk POST answered ms", round(answeredMs, 1)),
    figure("bulk seconds end to end (every migration decided)", round(seconds, 1)),
    figure("bulk items per second", round(total / seconds, 1)),
    figure("bulk table round trips per item", round(trips / total, 2)),
    figure("bulk table round trips per customer migration", round(trips / BULK_CUSTOMERS, 2)),
  ];
}

/** When each host invocation ran, from the host's log (an entry comes at its end, with its duration). */
function invocationLog() {
  const windows: { functionName: string; start: number; end: number }[] = [];
  return {
    log: (entry: HostLogEntry): void => {
      if (entry.kind !== "invocation") return;
      const end = performance.now();
      windows.push({ functionName: entry.functionName, start: end - entry.durationMs, end });
    },
    /** Whether a function other than `functionName` ran at any time between `start` and `end`. */
    othersRan: (functionName: string, start: number, end: number): boolean =>
      windows.some((w) => w.functionName !== functionName && w.start <= end && w.end >= start),
  };
}

interface PageRead {
  readonly start: number;
  readonly end: number;
  readonly reads: number;
  readonly others: number;
  readonly rows: number;
}

/**
 * MAP_PAGES pages read in order by continuation token, each counted alone. An invocation is logged
 * when it ends, so which pages overlapped another function is decided once the host has been quiet
 * for a moment; those are left out and more pages read instead.
 */
async function mapPages(baseUrl: string, invocations: ReturnType<typeof invocationLog>): Promise<Figure[]> {
  const roundTrips = tableRoundTrips();
  const pages: PageRead[] = [];
  let token: string | undefined;
  const clean = () =>
    pages.filter((page) => !invocations.othersRan("listPartnerCustomers", page.start, page.end));
  while (clean().length < MAP_PAGES) {
    for (let more = MAP_PAGES - clean().length; more > 0; more -= 1) {
      const url = new URL(`partners/${PARTNER_ID}/customers`, baseUrl);
      url.searchParams.set("limit", String(MAP_PAGE));
      if (token !== undefined) url.searchParams.set("continuationToken", token);
      roundTrips.reset();
      const start = performance.now();
      const response = await signedFetch(url, "GET", "", "");
      const answer = (await response.json()) as { items: unknown[]; continuationToken?: string };
      const end = performance.now();
      if (response.status !== 200) throw new Error(`map page answered ${response.status}`);
      const { byKind, total } = roundTrips.snapshot();
      const reads = byKind.query + byKind["point-read"];
      pages.push({ start, end, reads, others: total - reads, rows: answer.items.length });
      token = answer.continuationToken;
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const counted = clean().slice(0, MAP_PAGES);
  const latencies = counted.map((page) => page.end - page.start);
  return [
    figure(`map page size (customers of ${MAP_CUSTOMERS})`, Math.min(...counted.map((page) => page.rows))),
    figure("map pages counted (in order, by continuation token)", counted.length),
    figure("map pages left out (another function ran meanwhile)", pages.length - clean().length),
    figure("map page read round trips (max over pages)", Math.max(...counted.map((page) => page.reads))),
    figure("map page other round trips (max over pages)", Math.max(...counted.map((page) => page.others))),
    figure("map page p50 ms", round(percentile(latencies, 50), 1)),
    figure("map page p99 ms", round(percentile(latencies, 99), 1)),
  ];
}

function progress(line: string): void {
  process.stderr.write(`portfolio: ${line}\n`);
}

function signedFetch(url: URL, method: "GET" | "POST", body: string, idempotencyKey: string) {
  const pathAndQuery = `${url.pathname}${url.search}`;
  return fetch(url, {
    method,
    headers: {
      ...(body === "" ? {} : { "content-type": "application/json" }),
      ...(idempotencyKey === "" ? {} : { "idempotency-key": idempotencyKey }),
      ...signRequest({ ...BENCH_PARTNER_KEY, method, pathAndQuery, idempotencyKey, body }),
    },
    ...(body === "" ? {} : { body }),
  });
}

/** Customers with ITEMS_PER_CUSTOMER licences each and an active relationship, as the processors leave them. */
async function seedBulkCustomers(store: TableStore, now: Date): Promise<void> {
  const termEnd = new Date(now.getTime() + 120 * DAY_MS);
  const askedAt = new Date(now.getTime() - 30 * DAY_MS);
  await mapWithConcurrency(
    Array.from({ length: BULK_CUSTOMERS }, (_, index) => customerId(index)),
    16,
    async (id) => {
      const relationship = anActiveRelationship(id, `rel-${id}`, askedAt);
      await commit(store, blankCustomerState(id), [
        put.customer(aCustomer(id)),
        ...Array.from({ length: ITEMS_PER_CUSTOMER }, (_, i) =>
          put.subscription(aLicenseSubscription(id, `sub-${i}`, termEnd)),
        ),
        put.relationship(relationship),
        appendHistory(
          { kind: "relationship", id: relationship.id },
          historyEntry(relationship.createdAt, "alice@partner.example", null, "active", []),
        ),
      ]);
    },
  );
}

/** MAP_CUSTOMERS summaries of the partner's customers, written straight to its map partition. */
async function seedMap(store: TableStore, now: Date): Promise<void> {
  const partnerId = PARTNER_ID;
  const termEnd = new Date(now.getTime() + 200 * DAY_MS);
  for (let start = 0; start < MAP_CUSTOMERS; start += MAP_SEED_CHUNK) {
    const entries: IndexEntry[] = [];
    for (let index = start; index < Math.min(start + MAP_SEED_CHUNK, MAP_CUSTOMERS); index += 1) {
      const id = `map-cust-${String(index).padStart(7, "0")}`;
      const [summary] = summarizeCustomer(
        {
          customerId: id,
          subscriptions: [aLicenseSubscription(id, "sub-1", termEnd)],
          relationships: [{ ...anActiveRelationship(id, `rel-${id}`, now), partnerId }],
          migrations: [],
        },
        1,
      );
      if (summary === undefined) continue;
      const { customerId: _c, partnerId: _p, ...fields } = summary;
      entries.push({
        partitionKey: `${MAP_PREFIX}${partnerId}`,
        rowKey: id,
        fields: { customerId: id, partnerId, ...fields },
      });
    }
    // One transaction per 100 entries, all of them in flight at once.
    await writeIndexEntries(store, entries);
  }
}
