/**
 * The term-end sweep (nightly timer and POST /api/admin/sweep): reads the index entries due by
 * `asOf` (term ends and invitation expiries), and for each customer they name plans with the rules'
 * `planSweep` over that customer's state and commits the plan in one partition transaction (more
 * when it does not fit one; see sweepBatches.ts). Customers run in parallel, a few at a time.
 *
 * - Cost follows what is due: the index holds only what is still due, and only the partitions of
 *   customers with something due are read.
 * - Idempotent: a commit moves or removes the entries it handles, so a second run finds nothing;
 *   a plan made on a state that already moved is empty.
 * - Safe under concurrency: every commit writes the partition's version row with its ETag, so two
 *   sweeps (or a sweep and a processor) never both commit on one customer; the loser re-plans on the
 *   new state, which no longer has anything to do.
 * - Resumable: each customer commits on its own. One that fails does not stop the others; the run
 *   then throws SweepError naming it, and the next run does what is left.
 * - Scales out: a real run (queueSweep) only reads the index and queues one message per due customer
 *   on customer-sweeps; processSweepMessage sweeps each (sweepQueuedCustomer) on whichever instance
 *   takes it, and Service Bus retries a customer that failed. runSweep does it all in one process
 *   (dry runs, `npm run ops -- status`, tests).
 * - Live mode (a runtime with Partner Center): a licence item provisioned at term end is bought
 *   through the processors' own cart and checkout (orders.ts, one MS-RequestId per item), after the
 *   commit that provisions it; its original is retired, and the migration completed, by a further
 *   commit once the order is recorded (MIG-9). Throttling or a fault throws, so the customer's
 *   message comes again later (queueTrigger.ts); a refusal keeps the original, and the item says why.
 *   An item from another CSP partner provisioned at term end is transferred by the processors' own
 *   startTransfers (transfers.ts: one MS-RequestId per item), and its polls come on the migration
 *   queue like any other's.
 */
import {
  awaitsOrder,
  awaitsTransferStart,
  type Instant,
  type Migration,
  planSweep,
  type Subscription,
  type SweepPlan,
  TIMER_ACTOR,
  toIso,
} from "../domain/index.js";
import { errorMessage } from "../errors.js";
import type { SweepReport, SweepTransition } from "../http/views.js";
import {
  type CustomerState,
  type DueEntry,
  listDue,
  loadCustomerState,
  removeIndexEntries,
  saveLastSweep,
  staleDueEntries,
  withCustomerPartition,
} from "../storage/index.js";
import { mapWithConcurrency } from "./concurrency.js";
import { type OrderRuntime, placeOrders } from "./orders.js";
import { type ChangeProvenance, outcomeChanges, subscriptionSteps } from "./persist.js";
import { valuesOf } from "./processing.js";
import { relayCommitted } from "./relay.js";
import { runtime, type Runtime } from "./runtime.js";
import { firstBatch, type SweepBatch } from "./sweepBatches.js";
import { startTransfers, type TransferRuntime } from "./transfers.js";
import type { SweepMessage } from "../messaging/messages.js";

export const SWEEP_CONCURRENCY = 8;
/** A plan needing more commits than this for one customer is a bug (each commit moves at least one item). */
const MAX_COMMITS_PER_CUSTOMER = 1_000;

/** The sweep needs only the store and the clock (so `npm run ops -- status` can plan one). */
/** Without `sendEvents` (a dry run, the ops tool) any events committed wait for the relay timer. */
/**
 * With `partnerCenter` and `reference` (live mode) it buys what it provisions; with `send` and
 * `config` too it transfers what it provisions from another CSP partner, as the processor does.
 */
export type SweepRuntime = Pick<Runtime, "store" | "now"> &
  Partial<Pick<Runtime, "sendEvents" | "partnerCenter" | "reference" | "send" | "config">>;
/** A queued sweep sends too. */
export type QueueSweepRuntime = SweepRuntime & Pick<Runtime, "sendSweeps">;
/** Entries a customer's message carries at most; any others are only for stale clean-up, next night. */
const MAX_ENTRIES_PER_MESSAGE = 200;

export interface SweepOptions {
  /** Sweep as if it were this time: everything due at or before it. */
  readonly asOf: Instant;
  /** Plan only: write nothing, report what would change. */
  readonly dryRun: boolean;
  /** The actor the history names; "timer" by default. */
  readonly by?: string;
  /** Customers swept at once. */
  readonly concurrency?: number;
  /** Told about what needs an operator's eye: items that cannot move, stale index entries, failures. */
  readonly log?: (line: string) => void;
  /** What the sweep reads and writes through, and its clock; the process's runtime by default. */
  readonly runtime?: SweepRuntime;
}

export interface SweepFailure {
  readonly customerId: string;
  readonly error: unknown;
}

/** Some customers could not be swept; the report says what the others did. Run again to finish. */
export class SweepError extends Error {
  constructor(
    readonly report: SweepReport,
    readonly failures: readonly SweepFailure[],
  ) {
    super(
      `The sweep as of ${report.asOf} failed for ${failures.length} customer(s): ${failures
        .map(({ customerId, error }) => `${customerId}: ${errorMessage(error)}`)
        .join("; ")}`,
      { cause: failures[0]?.error },
    );
    this.name = "SweepError";
  }
}

export async function runSweep(options: SweepOptions): Promise<SweepReport> {
  const rt = options.runtime ?? runtime();
  const asOf = toIso(options.asOf);
  const by = options.by ?? TIMER_ACTOR;
  const log = options.log ?? (() => undefined);
  const byCustomer = await dueByCustomer(rt, asOf);
  const customerIds = [...byCustomer.keys()].sort();
  const failures: SweepFailure[] = [];
  const results = await mapWithConcurrency(
    customerIds,
    options.concurrency ?? SWEEP_CONCURRENCY,
    async (customerId) => {
      const entries = byCustomer.get(customerId) ?? [];
      const context: CustomerSweep = { rt, customerId, entries, asOf, by, log };
      try {
        return options.dryRun ? await planCustomer(context) : await sweepCustomer(context);
      } catch (error) {
        failures.push({ customerId, error });
        log(`customer ${customerId}: not swept: ${errorMessage(error)}`);
        return [];
      }
    },
  );
  const report: SweepReport = {
    asOf,
    dryRun: options.dryRun,
    customers: customerIds.length,
    transitions: results.flat(),
  };
  if (!options.dryRun) await keepReport(rt, by, report, failures, log);
  if (failures.length > 0) throw new SweepError(report, failures);
  return report;
}

/**
 * A real sweep that scales out: reads what is due by `asOf` and queues one message per customer
 * (batched sends), then keeps its report. Sending is all or nothing per batch; a run that failed half
 * way is finished by the next one (the index still names what is due) and a duplicate message is
 * harmless (the second sweep of a customer finds nothing to do).
 */
export async function queueSweep(
  options: Omit<SweepOptions, "dryRun" | "concurrency" | "runtime"> & { runtime?: QueueSweepRuntime },
): Promise<SweepReport> {
  const rt = options.runtime ?? runtime();
  const asOf = toIso(options.asOf);
  const by = options.by ?? TIMER_ACTOR;
  const byCustomer = await dueByCustomer(rt, asOf);
  const messages: SweepMessage[] = [...byCustomer.keys()].sort().map((customerId) => ({
    schemaVersion: 1,
    type: "customer-sweep",
    customerId,
    asOf,
    by,
    entries: (byCustomer.get(customerId) ?? []).slice(0, MAX_ENTRIES_PER_MESSAGE),
  }));
  await rt.sendSweeps(messages);
  const report: SweepReport = {
    asOf,
    dryRun: false,
    customers: messages.length,
    queued: messages.length,
    transitions: [],
  };
  await keepReport(rt, by, report, [], options.log ?? (() => undefined));
  return report;
}

/** One queued customer's sweep (processSweepMessage); throws when it cannot finish, for a retry. */
export function sweepQueuedCustomer(
  message: SweepMessage,
  options: Pick<SweepOptions, "log" | "runtime"> = {},
): Promise<SweepTransition[]> {
  return sweepCustomer({
    rt: options.runtime ?? runtime(),
    customerId: message.customerId,
    entries: message.entries,
    asOf: message.asOf,
    by: message.by,
    log: options.log ?? (() => undefined),
  });
}

async function dueByCustomer(rt: SweepRuntime, asOf: string): Promise<Map<string, DueEntry[]>> {
  const [termEnds, invitations] = await Promise.all([
    listDue(rt.store, "term-end", asOf),
    listDue(rt.store, "invitation", asOf),
  ]);
  return groupByCustomer([...termEnds, ...invitations]);
}

/** One line: customers, transitions, and how many of each change (`3 migration → completed`). */
export function summary(report: SweepReport): string {
  const counts = new Map<string, number>();
  for (const transition of report.transitions) {
    const key = `${transition.entity} → ${transition.to}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (report.queued !== undefined) return `${report.queued} customer(s) queued for their own sweep`;
  const detail = [...counts].map(([key, count]) => `${count} ${key}`).join(", ");
  return `${report.customers} customer(s), ${report.transitions.length} transition(s)${detail === "" ? "" : `: ${detail}`}`;
}

/** What `npm run ops -- status` shows as the last sweep; failing to keep it fails nothing. */
async function keepReport(
  rt: SweepRuntime,
  by: string,
  report: SweepReport,
  failures: readonly SweepFailure[],
  log: (line: string) => void,
): Promise<void> {
  try {
    await saveLastSweep(rt.store, {
      finishedAt: toIso(rt.now()),
      by,
      failedCustomers: failures.map((failure) => failure.customerId),
      report,
    });
  } catch (error) {
    log(`the sweep's report was not kept: ${errorMessage(error)}`);
  }
}

interface CustomerSweep {
  readonly rt: SweepRuntime;
  readonly customerId: string;
  /** The index entries that brought the sweep here. */
  readonly entries: readonly DueEntry[];
  readonly asOf: string;
  readonly by: string;
  readonly log: (line: string) => void;
}

/** Dry run: the whole plan, as transitions, from one read (as if every order went through). */
async function planCustomer(sweep: CustomerSweep): Promise<SweepTransition[]> {
  const state = await loadCustomerState(sweep.rt.store, sweep.customerId);
  const plan = planFor(state, sweep, false);
  reportSkipped(plan, sweep);
  return transitionsOf(state, plan, sweep);
}

/**
 * Commits the customer's plan; in live mode then buys what it provisioned (and anything of the
 * customer's still being bought) and, once an order is recorded, commits again to retire its
 * original; what it provisioned from another CSP partner it transfers and follows with the
 * processor's own code (transfers.ts: created once, then polled on the migration queue).
 */
async function sweepCustomer(sweep: CustomerSweep): Promise<SweepTransition[]> {
  const live = liveOrders(sweep.rt);
  const { transitions, buying } = await commitPlan(sweep, live !== undefined);
  // Records mode, or nothing of the customer's is being bought or transferred: no further read.
  if (live === undefined || !buying) return transitions;
  const state = await loadCustomerState(live.store, sweep.customerId);
  const transferring = liveTransfers(sweep.rt);
  if (transferring !== undefined) {
    const started = await startTransfers(transferring, state, buysFor);
    if (started.warn) for (const note of started.notes) sweep.log(`customer ${sweep.customerId}: ${note}`);
  }
  const bought = await placeOrders(live, state, buysFor);
  if (bought.warn) for (const note of bought.notes) sweep.log(`customer ${sweep.customerId}: ${note}`);
  if (bought.notes.length === 0) return transitions;
  return [...transitions, ...(await commitPlan(sweep, true, false)).transitions];
}

/** Whether, once `batch` is written over `state`, a migration the sweep buys for has an item being bought or transferred. */
function leftBuying(state: CustomerState, batch: SweepBatch): boolean {
  const written = new Map(batch.migrations.map((outcome) => [outcome.migration.id, outcome.migration]));
  return [...state.migrations.values()].some(({ value }) => {
    const migration = written.get(value.id) ?? value;
    return (
      buysFor(migration) && migration.items.some((item) => awaitsOrder(item) || awaitsTransferStart(item))
    );
  });
}

/** The migrations whose items the sweep buys: those waiting for their term ends. */
function buysFor(migration: Migration): boolean {
  return migration.status === "awaiting-term-end";
}

/** The runtime to buy through, in live mode; undefined in records mode. */
function liveOrders(rt: SweepRuntime): OrderRuntime | undefined {
  const { store, now, partnerCenter, reference, sendEvents } = rt;
  if (partnerCenter === undefined || reference === undefined) return undefined;
  return { store, now, partnerCenter, reference, ...(sendEvents === undefined ? {} : { sendEvents }) };
}

/** The runtime to transfer through (live mode, able to schedule polls); undefined otherwise. */
function liveTransfers(rt: SweepRuntime): TransferRuntime | undefined {
  const orders = liveOrders(rt);
  if (orders === undefined || rt.send === undefined || rt.config === undefined) return undefined;
  return { ...orders, send: rt.send, config: rt.config };
}

/**
 * Commits the customer's plan, in as many commits as it needs; returns what they did, and whether
 * the customer is left with an item being bought (so the sweep need not read it again otherwise).
 */
async function commitPlan(
  sweep: CustomerSweep,
  ordersInPartnerCenter: boolean,
  first = true,
): Promise<{ transitions: SweepTransition[]; buying: boolean }> {
  const { rt, customerId } = sweep;
  const transitions: SweepTransition[] = [];
  for (let round = 1; ; round += 1) {
    const done = await withCustomerPartition(rt.store, customerId, (state) => {
      const plan = planFor(state, sweep, ordersInPartnerCenter);
      const batch = firstBatch(
        plan,
        (id) => state.migrations.get(id)?.value,
        (outcomes) => outcomeChanges(outcomes, previousOf(state), provenance(sweep)),
      );
      return {
        changes: outcomeChanges(batch, previousOf(state), provenance(sweep)),
        result: { plan, batch },
      };
    });
    if (rt.sendEvents !== undefined) {
      await relayCommitted({ store: rt.store, sendEvents: rt.sendEvents }, done.receipt.outbox);
    }
    const { plan, batch } = done.result;
    transitions.push(...transitionsOf(done.state, batch, sweep));
    if (round === 1 && first) {
      reportSkipped(plan, sweep);
      await removeStaleEntries(done.state, sweep);
    }
    if (batch.complete) return { transitions, buying: leftBuying(done.state, batch) };
    if (done.receipt.operations === 0 || round >= MAX_COMMITS_PER_CUSTOMER) {
      throw new Error(`the sweep of customer ${customerId} made no progress after ${round} commit(s)`);
    }
  }
}

/** Everything of the customer's that the sweep may move; planSweep ignores what is not due. */
function planFor(state: CustomerState, sweep: CustomerSweep, ordersInPartnerCenter: boolean): SweepPlan {
  return planSweep({
    now: sweep.asOf,
    migrations: valuesOf(state.migrations),
    subscriptions: valuesOf(state.subscriptions),
    relationships: valuesOf(state.relationships),
    by: sweep.by,
    ordersInPartnerCenter,
  });
}

function previousOf(state: CustomerState): (id: string) => Subscription | undefined {
  return (id) => state.subscriptions.get(id)?.value;
}

function provenance(sweep: CustomerSweep): ChangeProvenance {
  return { at: sweep.asOf, by: sweep.by };
}

/**
 * Entries the state no longer backs (their entity moved on or is gone, and no commit of ours removed
 * them, e.g. after a failed clean-up) are removed, so they are not read again every night.
 */
async function removeStaleEntries(state: CustomerState, sweep: CustomerSweep): Promise<void> {
  const stale = staleDueEntries(state, sweep.entries, sweep.rt.now());
  if (stale.length === 0) return;
  try {
    await removeIndexEntries(
      sweep.rt.store,
      stale.map((entry) => entry.key),
    );
    sweep.log(`customer ${sweep.customerId}: removed ${stale.length} stale index entr(y/ies)`);
  } catch (error) {
    // Harmless: the entries are read again next time and ignored the same way.
    sweep.log(`customer ${sweep.customerId}: stale index entries not removed: ${errorMessage(error)}`);
  }
}

function reportSkipped(plan: SweepPlan, sweep: CustomerSweep): void {
  for (const skip of plan.skipped) {
    sweep.log(
      `customer ${sweep.customerId}: migration ${skip.migrationId}, item ${skip.subscriptionId} stays due: ${skip.reason}`,
    );
  }
}

/** What a plan or batch changes, as the report's transitions, in the order they are written. */
function transitionsOf(
  state: CustomerState,
  outcomes: Pick<SweepBatch, "relationships" | "migrations" | "subscriptionChanges">,
  sweep: CustomerSweep,
): SweepTransition[] {
  const { customerId } = sweep;
  const transitions: SweepTransition[] = [];
  for (const outcome of outcomes.relationships) {
    for (const entry of outcome.history) {
      transitions.push({ entity: "relationship", customerId, id: outcome.relationship.id, ...step(entry) });
    }
  }
  for (const outcome of outcomes.migrations) {
    const { id } = outcome.migration;
    for (const entry of outcome.history)
      transitions.push({ entity: "migration", customerId, id, ...step(entry) });
    for (const { subscriptionId, entry } of outcome.itemHistory) {
      transitions.push({ entity: "line-item", customerId, id: `${id}/${subscriptionId}`, ...step(entry) });
    }
  }
  for (const { subscription, entry } of subscriptionSteps(
    outcomes.subscriptionChanges,
    previousOf(state),
    provenance(sweep),
  )) {
    transitions.push({ entity: "subscription", customerId, id: subscription.id, ...step(entry) });
  }
  return transitions;
}

function step(entry: { from: string | null; to: string; rules: SweepTransition["rules"] }) {
  return { from: entry.from, to: entry.to, rules: [...entry.rules] };
}

function groupByCustomer(entries: readonly DueEntry[]): Map<string, DueEntry[]> {
  const groups = new Map<string, DueEntry[]>();
  for (const entry of entries) {
    const group = groups.get(entry.customerId) ?? [];
    group.push(entry);
    groups.set(entry.customerId, group);
  }
  return groups;
}
