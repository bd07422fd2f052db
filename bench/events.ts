/**
 * Events out, end to end: N migrations (one licence item each, 16 in flight) from a signed POST
 * /api/migrations through the local host (the app from its sources, in this process), the
 * processor, the outbox and its relay, the partner-events queue and the dispatcher, to a webhook
 * receiver on loopback (local/eventReceiver.ts, in a process of its own, as a portal is) that
 * verifies every signature and answers 200.
 * Twice in one run on one host: N migrations with no subscription (the outbox, the relay and the
 * dispatcher still run; nothing is delivered), then N with the partner subscribed to every event.
 * Partition-indexed Azurite (Table Storage seeks a partition; lib/indexedAzurite.ts); Azurite, the
 * emulator, the load generator and the receiver in processes of their own.
 *
 * Counted per migration: table round trips by the storage layer's process-wide counter, and which of
 * them the events make (a policy on the app's store names each request: the outbox pointer's upsert,
 * the relay's deletes and the timer's reads; the webhooks table's subscription reads and delivery
 * records); Service Bus operations by the emulator, per queue (partner-events is the events' share).
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

import type { HostLogEntry } from "../local/host/index.js";
import { eventsCarried, QUEUES } from "../shared/messaging/messages.js";
import { setRuntimeForTests, runtime } from "../shared/pipeline/runtime.js";
import { listOutboxPointers, tableRoundTrips } from "../shared/storage/index.js";
import { physicalTableName } from "../shared/storage/tableNames.js";
import { queuesIdle } from "./lib/busIdle.js";
import { figure, percentile, round, since, type Figure } from "./lib/figures.js";
import { fetchSigned, seedBenchPartnerKey } from "./lib/http.js";
import { startLoadGenerator } from "./lib/load.js";
import { startBenchReceiver } from "./lib/receiver.js";
import { startBenchServices } from "./lib/services.js";
import { customerId, migrationLoad, PARTNER_ID, putReference, seedMigratableCustomers } from "./lib/world.js";
import { processedCounter } from "./pipeline.js";

export interface EventsOptions {
  /** Migrations per phase (without, then with a subscription). */
  readonly migrations: number;
  readonly concurrency?: number;
  readonly warmUp?: number;
}

const PREFIX = "benchevt";
const DAY_MS = 86_400_000;
const WEBHOOK = "bench";
const DISPATCHER = "processPartnerEventMessage";

interface PhaseResult {
  /** When its first POST went, ms since the epoch. */
  readonly startedAt: number;
  readonly seconds: number;
  readonly refused: number;
  /** Distinct events the relays sent for the phase's customers (one per event raised). */
  readonly raised: number;
  /** Events sent in all (counted once per message carrying them), the relay timer's second sends included. */
  readonly sends: number;
  /** Outbox pointers left once the phase's events were dispatched (the relay clears each). */
  readonly pointersLeft: number;
  readonly roundTrips: number;
  readonly outboxTrips: number;
  readonly webhookTrips: number;
  readonly busOperations: number;
  readonly eventBusOperations: number;
}

export async function eventsBench(options: EventsOptions): Promise<Figure[]> {
  const concurrency = options.concurrency ?? 16;
  const warmUp = options.warmUp ?? 100;
  const n = options.migrations;
  const services = await startBenchServices({ azurite: "indexed" });
  const setupStore = services.store(PREFIX);
  const now = new Date();
  try {
    await putReference(setupStore);
    await seedBenchPartnerKey(setupStore);
    await seedMigratableCustomers(setupStore, warmUp + 2 * n, {
      termEnd: new Date(now.getTime() + 120 * DAY_MS),
      now,
    });

    const receiver = await startBenchReceiver();
    const processed = processedCounter();
    const dispatcherMs: number[] = [];
    let dispatcherFailures = 0;
    const log = (entry: HostLogEntry): void => {
      processed.log(entry);
      if (entry.kind !== "invocation" || entry.functionName !== DISPATCHER) return;
      if (entry.outcome === "Failed") dispatcherFailures += 1;
      else dispatcherMs.push(entry.durationMs);
    };
    const { startLocalStack } = await import("../local/stack.js");
    const stack = await startLocalStack({
      port: 0,
      env: { ...services.appSettings(PREFIX), WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" },
      localSettingsPath: false,
      log,
    });
    const load = await startLoadGenerator();
    try {
      // The host's functions use runtime(): the same store, which also names the events' requests,
      // and a sender that counts the events the relays send.
      const attribution = eventRequests(PREFIX);
      const sendEvents = runtime().sendEvents;
      // Ids, not sends: the timer may send an event again (same id).
      const raised = new Set<string>();
      let phaseCustomers = new Set<string>();
      let sends = 0;
      setRuntimeForTests({
        store: services.store(PREFIX, { counter: tableRoundTrips(), policies: [attribution.policy] }),
        sendEvents: (messages) => {
          for (const { message } of messages) {
            if (message.type === "webhook-delivery") continue;
            for (const event of eventsCarried(message)) {
              sends += 1;
              if (phaseCustomers.has(event.customerId ?? "")) raised.add(event.id);
            }
          }
          return sendEvents(messages);
        },
      });
      const webhookUrl = new URL(`partners/${PARTNER_ID}/webhooks/${WEBHOOK}`, stack.baseUrl).href;
      const subscribe = async (): Promise<void> => {
        const answer = await fetchSigned("PUT", webhookUrl, { url: receiver.url, events: ["*"] });
        const body = (await answer.json()) as { secret?: string };
        if (answer.status !== 201 || body.secret === undefined) {
          throw new Error(`PUT webhook answered ${answer.status}`);
        }
        await receiver.useSecret(body.secret);
      };

      const phase = async (from: number, count: number, subscribed: boolean): Promise<PhaseResult> => {
        const trips = tableRoundTrips();
        trips.reset();
        attribution.reset();
        raised.clear();
        sends = 0;
        phaseCustomers = new Set(Array.from({ length: count }, (_, i) => customerId(from + i)));
        await receiver.clear();
        const busBefore = await services.busStats();
        const start = performance.now();
        const startedAt = Date.now();
        const { answers } = await load.run(
          migrationLoad(stack.baseUrl, { from, count, concurrency, keyPrefix: "bench-events" }),
        );
        await processed.reach(from + count);
        await until(
          async () =>
            (!subscribed || (await receiver.count()).distinct >= raised.size) &&
            queuesIdle(await services.busStats()),
          async () => {
            const got = await receiver.count();
            const queues = JSON.stringify((await services.busStats()).entities);
            return `the events of migrations ${from}–${from + count - 1}: ${got.distinct} of ${raised.size} delivered, ${got.refused} refused by the receiver, queues ${queues}`;
          },
        );
        const seconds = since(start) / 1000;
        const busAfter = await services.busStats();
        const eventsOn = (stats: typeof busAfter) => stats.operations.byEntity[QUEUES.events] ?? 0;
        return {
          startedAt,
          seconds,
          refused: answers.filter((answer) => answer.status !== 202).length,
          raised: raised.size,
          sends,
          pointersLeft: (await listOutboxPointers(setupStore)).length,
          roundTrips: trips.total,
          outboxTrips: attribution.counts.outbox,
          webhookTrips: attribution.counts.webhooks,
          busOperations: busAfter.totalOperations - busBefore.totalOperations,
          eventBusOperations: eventsOn(busAfter) - eventsOn(busBefore),
        };
      };

      // Warm-up, subscribed: connections, links, tables, caches and the JIT; not counted.
      await subscribe();
      await phase(0, warmUp, true);
      const deleted = await fetchSigned("DELETE", webhookUrl);
      if (deleted.status !== 204) throw new Error(`DELETE webhook answered ${deleted.status}`);
      const without = await phase(warmUp, n, false);
      await subscribe();
      const dispatchBefore = dispatcherMs.length;
      const subscribed = await phase(warmUp + n, n, true);
      const { receipts: got, refused } = await receiver.receipts();
      const lastSeconds = (Math.max(...got.map((receipt) => receipt.at)) - subscribed.startedAt) / 1000;
      const latencies = got.map((receipt) => receipt.at - Date.parse(receipt.occurredAt));
      const ids = new Set(got.map((receipt) => receipt.id));
      const types = [...new Set(got.map((receipt) => receipt.type))].sort();
      const strayPartners = got.filter((receipt) => receipt.partnerId !== PARTNER_ID).length;
      return [
        figure(
          "events path",
          "signed HTTP POST → local host (app from sources) → processor → outbox → relay → partner-events queue → dispatcher → signed POST to a loopback receiver answering 200; partition-indexed Azurite, emulator, load generator and receiver in processes of their own",
        ),
        figure("events migrations per phase (without, then with a subscription)", n),
        figure("events refused migrations", without.refused + subscribed.refused),
        figure("events raised per migration", round(subscribed.raised / n, 2)),
        figure(
          "events sent per migration (the relay timer's second sends included)",
          `${round(without.sends / n, 2)} / ${round(subscribed.sends / n, 2)} (without / with a subscription)`,
        ),
        figure(
          "events outbox pointers left after each phase",
          `${without.pointersLeft} / ${subscribed.pointersLeft}`,
        ),
        figure("events types delivered", types.join(", ")),
        figure("events delivered", got.length),
        figure("events delivered, distinct ids", ids.size),
        figure("events signatures refused by the receiver", refused),
        figure("events of another partner", strayPartners),
        figure("events dispatcher failed invocations", dispatcherFailures),
        figure(
          "events delivered per second (first POST to last event received)",
          round(ids.size / lastSeconds, 1),
        ),
        figure(
          "events migrations per second, without / with a subscription",
          `${round(n / without.seconds, 1)} / ${round(n / subscribed.seconds, 1)}`,
        ),
        figure(
          "events commit-to-receiver latency p50 / p99 ms",
          `${round(percentile(latencies, 50), 1)} / ${round(percentile(latencies, 99), 1)}`,
        ),
        figure(
          "events dispatcher invocation p50 ms",
          round(percentile(dispatcherMs.slice(dispatchBefore), 50), 1),
        ),
        ...costFigures("without a subscription", without, n),
        ...costFigures("with a subscription", subscribed, n),
        figure(
          "events table round trips per migration the outbox adds (relay, pointer, dispatcher's subscription read)",
          round((without.outboxTrips + without.webhookTrips) / n, 2),
        ),
        figure(
          "events table round trips per migration a subscription adds (delivery records)",
          round((subscribed.roundTrips - without.roundTrips) / n, 2),
        ),
        figure(
          "events service bus operations per migration the outbox adds (partner-events queue)",
          round(without.eventBusOperations / n, 2),
        ),
        figure(
          "events service bus operations per migration a subscription adds",
          round((subscribed.busOperations - without.busOperations) / n, 2),
        ),
      ];
    } finally {
      await closeAll(load, stack, receiver);
    }
  } finally {
    await services.close();
  }
}

function costFigures(label: string, phase: PhaseResult, n: number): Figure[] {
  const per = (count: number) => round(count / n, 2);
  const eventTrips = phase.outboxTrips + phase.webhookTrips;
  return [
    figure(
      `events table round trips per migration ${label}`,
      `${per(phase.roundTrips)} (events ${per(eventTrips)}: outbox ${per(phase.outboxTrips)}, webhooks table ${per(phase.webhookTrips)}; the migration itself ${per(phase.roundTrips - eventTrips)})`,
    ),
    figure(
      `events service bus operations per migration ${label}`,
      `${per(phase.busOperations)} (partner-events ${per(phase.eventBusOperations)}; the migration itself ${per(phase.busOperations - phase.eventBusOperations)})`,
    ),
  ];
}

/** Names the app's table requests the events make, by table and key, and counts them. */
function eventRequests(prefix: string) {
  const table = (name: "indexes" | "customers" | "webhooks") =>
    new RegExp(`/${physicalTableName(prefix, name)}(?![A-Za-z0-9])`);
  const indexes = table("indexes");
  const customers = table("customers");
  const webhooks = table("webhooks");
  const counts = { outbox: 0, webhooks: 0 };
  const purposeOf = (request: PipelineRequest): keyof typeof counts | undefined => {
    // A transaction names its table and keys in its body; keys may be percent-encoded anywhere.
    const body = typeof request.body === "string" ? request.body : "";
    const text = `${request.url}\n${body}`.replace(/%7C/gi, "|");
    if (webhooks.test(text)) return "webhooks";
    if (indexes.test(text) && text.includes("outbox|")) return "outbox";
    if (request.method === "DELETE" && customers.test(text) && text.includes("evt|")) return "outbox";
    return undefined;
  };
  const policy: PipelinePolicy = {
    name: "benchEventRequests",
    sendRequest(request, next) {
      const purpose = purposeOf(request);
      if (purpose !== undefined) counts[purpose] += 1;
      return next(request);
    },
  };
  return {
    policy,
    counts,
    reset: () => {
      counts.outbox = 0;
      counts.webhooks = 0;
    },
  };
}

async function until(
  done: () => Promise<boolean>,
  what: () => Promise<string>,
  timeoutMs = Number(process.env.BENCH_EVENTS_TIMEOUT_MS ?? "300000"),
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${await what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function closeAll(...closeables: readonly { close(): Promise<void> }[]): Promise<void> {
  for (const closeable of closeables) await closeable.close();
}
