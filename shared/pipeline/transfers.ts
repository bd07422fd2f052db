/**
 * Live mode: a subscription from another CSP partner (MC-6 Azure; MC-3 `license-transfer`, a licence
 * moved mid-term) is transferred in Partner Center as the new partner, then followed to its end.
 * - Start (after the decision commits): for each item still `transferring` with no transfer id, the
 *   customer's transfers are read first (GET …/transfers) and one still running from the same source
 *   partner for this subscription is carried on; only without one is a transfer created (POST
 *   …/transfers). Either is recorded on the item in a unit of work of its own, then poll 1 is scheduled on the
 *   migration queue. The MS-RequestId is fixed per line item (transferRequestId), so a redelivery — or
 *   a crash between Partner Center's answer and the table write — asks again and gets the same
 *   transfer; an item whose transfer is recorded but never polled gets its first poll (again: its
 *   message id is fixed, so Service Bus drops a second).
 * - Poll n: GET …/transfers/{id}; complete → `transferred` with the new subscription ids; failed →
 *   `transfer-failed` with Partner Center's code and description; still running → poll n+1 is
 *   scheduled (twice the wait, judgePoll) before poll n is recorded, so a crash between the two only
 *   repeats the read. A poll the item has already counted changes nothing; after the last poll
 *   allowed the item fails. The migration reaches its final status (completed, partially-completed,
 *   failed) in the write of the poll that ends its last transfer (lineItemRecord.ts), not before.
 *   Nothing here sleeps: throttling, server errors and time-outs throw (retryable) and the message
 *   comes again later (queueTrigger.ts); a refusal is recorded once.
 */
import { createHash } from "node:crypto";

import {
  awaitsTransferCompletion,
  awaitsTransferCreation,
  awaitsTransferStart,
  customerNotificationEmail,
  isTransferPath,
  judgePoll,
  type LineItem,
  type LineItemTransfer,
  type Migration,
  planTransfer,
  pollDelaySeconds,
  reusableTransfer,
  type RuleId,
  toIso,
} from "../domain/index.js";
import { QUEUES, type TransferPollMessage } from "../messaging/messages.js";
import { type PartnerCenterClient, refusalIn } from "../partnerCenter/client.js";
import type { TransferEntityResource } from "../partnerCenter/shapes.js";
import { type CustomerState, loadCustomerState } from "../storage/index.js";
import { type LineItemRecorded, recordOnLineItem } from "./lineItemRecord.js";
import { NO_STEP, type PartnerCenterStep, stepEachAwaiting } from "./partnerCenterStep.js";
import type { ProcessingResult } from "./processing.js";
import type { Runtime } from "./runtime.js";

type Outcome = Pick<LineItem, "execution" | "transfer" | "transferError">;

/** What starting transfers needs: the processors pass their runtime, the sweep its own (sweep.ts). */
export type TransferRuntime = Pick<
  Runtime,
  "store" | "now" | "reference" | "partnerCenter" | "send" | "config"
> &
  Partial<Pick<Runtime, "sendEvents">>;

/** Creates (once) the transfer of every item awaiting one of the migrations `select` picks in `state`, and schedules its first poll. */
export async function startTransfers(
  rt: TransferRuntime,
  state: CustomerState,
  select: (migration: Migration) => boolean,
): Promise<PartnerCenterStep> {
  const client = rt.partnerCenter;
  if (client === undefined) return NO_STEP;
  const { customerId } = state;
  return stepEachAwaiting(state, select, awaitsTransferStart, async (migration, item) => {
    const transfer = item.transfer;
    if (transfer === undefined) return NO_STEP;
    let note: string;
    let warn = false;
    let written: Pick<LineItemRecorded, "attempts" | "writes" | "path"> = {
      attempts: 0,
      writes: 0,
      path: [],
    };
    let created = transfer.id;
    if (created === undefined) {
      const outcome = await create(rt, client, state, migration, item, transfer);
      const recorded = await recordOnLineItem(
        rt,
        { customerId, migrationId: migration.id, subscriptionId: item.subscriptionId },
        awaitsTransferCreation,
        outcome,
      );
      written = recorded;
      created = recorded.done ? outcome.transfer?.id : undefined;
      warn = outcome.transferError !== undefined;
      note = !recorded.done
        ? `${item.subscriptionId}: transfer already recorded`
        : outcome.transferError === undefined
          ? `${item.subscriptionId}: transfer ${created ?? ""} created in Partner Center`
          : `${item.subscriptionId}: not transferred: ${outcome.transferError.message}`;
    } else note = `${item.subscriptionId}: transfer ${created} recorded, its first poll scheduled again`;
    if (created !== undefined) await schedulePoll(rt, migration, item.subscriptionId, created, 1);
    return { notes: [note], warn, attempts: written.attempts, writes: written.writes, path: written.path };
  });
}

async function create(
  rt: TransferRuntime,
  client: PartnerCenterClient,
  state: CustomerState,
  migration: Migration,
  item: LineItem,
  transfer: LineItemTransfer,
): Promise<Outcome> {
  const at = toIso(rt.now());
  const rule: RuleId = item.path === "license-transfer" ? "MC-3" : "MC-6";
  const link = (await rt.reference.partner(migration.partnerId))?.partnerCenter;
  if (link === undefined) {
    return failed(at, {
      status: null,
      code: null,
      rule,
      message: `partner ${migration.partnerId} has no Partner Center link: nothing was transferred; PUT the partner's partnerCenter`,
    });
  }
  const source =
    transfer.sourcePartnerId === null
      ? undefined
      : (await rt.reference.partner(transfer.sourcePartnerId))?.partnerCenter?.tenantId;
  const relationship =
    migration.relationshipId === null ? undefined : state.relationships.get(migration.relationshipId)?.value;
  const plan = planTransfer(
    item,
    transfer,
    state.subscriptions.get(item.subscriptionId)?.value,
    { source, target: link.tenantId },
    customerNotificationEmail(relationship),
  );
  if (plan.kind === "cannot")
    return failed(at, { status: null, code: null, rule: plan.rule, message: plan.message });
  try {
    // A transfer of this subscription already running from the same partner is carried on, not doubled.
    const made =
      reusableTransfer(await client.customerTransfers(link, migration.customerId), {
        sourcePartnerTenantId: plan.creation.sourcePartnerTenantId,
        subscriptionId: item.subscriptionId,
      }) ?? (await client.createTransfer(link, migration.customerId, plan.creation, transfer.requestId));
    return {
      execution: "transferring",
      transfer: { ...transfer, id: made.id, status: made.status, createdAt: at },
    };
  } catch (error) {
    // A refusal is recorded, once; throttling, faults and time-outs are retried by redelivery.
    const refusal = refusalIn(error);
    return failed(at, {
      status: refusal.status ?? null,
      code: null,
      message: `Partner Center refused the transfer: ${refusal.message}`,
    });
  }
}

function failed(at: string, error: Omit<NonNullable<LineItem["transferError"]>, "at">): Outcome {
  return {
    execution: "transfer-failed",
    transferError: { ...error, message: error.message.slice(0, 2000), at },
  };
}

/** Poll `message.poll` of an item's transfer: records what Partner Center says, and schedules the next poll. */
export async function pollTransfer(rt: Runtime, message: TransferPollMessage): Promise<ProcessingResult> {
  const { customerId, migrationId, subscriptionId, transferId, poll } = message;
  const client = rt.partnerCenter;
  const state = client === undefined ? undefined : await loadCustomerState(rt.store, customerId);
  const migration = state?.migrations.get(migrationId)?.value;
  const result = (
    notes: string[],
    warn: boolean,
    written: Partial<LineItemRecorded> = {},
  ): ProcessingResult => ({
    customerId,
    // Only the poll that settles the migration's last item moves it (to its final status).
    moved: [{ kind: "migration", id: migrationId, from: migration?.status, path: [...(written.path ?? [])] }],
    notes,
    warn,
    attempts: written.attempts ?? 0,
    writes: written.writes ?? 0,
  });
  if (client === undefined) return result([`records mode: transfer ${transferId} is not followed`], true);
  const item = migration?.items.find((candidate) => candidate.subscriptionId === subscriptionId);
  const due = (candidate: LineItem) =>
    awaitsTransferCompletion(candidate) &&
    candidate.transfer?.id === transferId &&
    candidate.transfer.polls < poll;
  if (migration === undefined || item === undefined || !due(item) || !isTransferPath(item.path)) {
    return result(
      [`${subscriptionId}: poll ${poll} of transfer ${transferId} is not due: a redelivery changes nothing`],
      false,
    );
  }
  const transfer = item.transfer;
  const link = (await rt.reference.partner(migration.partnerId))?.partnerCenter;
  if (transfer === undefined || link === undefined) {
    return result(
      [
        `partner ${migration.partnerId} has no Partner Center link: transfer ${transferId} cannot be followed`,
      ],
      true,
    );
  }
  const at = toIso(rt.now());
  let reading: TransferEntityResource | undefined;
  try {
    reading = await client.transfer(link, customerId, transferId);
  } catch (error) {
    const refusal = refusalIn(error);
    const outcome = failed(at, {
      status: refusal.status ?? null,
      code: null,
      message: `Partner Center refused to show transfer ${transferId}: ${refusal.message}`,
    });
    const recorded = await recordOnLineItem(
      rt,
      { customerId, migrationId: migrationId, subscriptionId: subscriptionId },
      due,
      outcome,
    );
    return result([`${subscriptionId}: ${outcome.transferError?.message ?? ""}`], true, recorded);
  }
  const verdict = judgePoll(reading, {
    transferId,
    path: item.path,
    poll,
    baseSeconds: rt.config.PARTNER_CENTER_TRANSFER_POLL_SECONDS,
  });
  const counted = {
    ...transfer,
    polls: poll,
    ...(verdict.status === undefined ? {} : { status: verdict.status }),
  };
  let outcome: Outcome;
  let note: string;
  if (verdict.kind === "wait") {
    // The next poll first: a crash before the write below only repeats this read.
    await schedulePoll(rt, migration, subscriptionId, transferId, verdict.nextPoll, verdict.delaySeconds);
    outcome = { execution: "transferring", transfer: counted };
    note = `${subscriptionId}: transfer ${transferId} still ${verdict.status}; poll ${verdict.nextPoll} in ${verdict.delaySeconds} s`;
  } else if (verdict.kind === "transferred") {
    outcome = {
      execution: "transferred",
      transfer: { ...counted, newSubscriptionIds: [...verdict.newSubscriptionIds], completedAt: at },
    };
    note = `${subscriptionId}: transferred in Partner Center (transfer ${transferId}, subscription ${verdict.newSubscriptionIds.join(", ")})`;
  } else {
    outcome = {
      ...failed(at, {
        status: null,
        code: verdict.code,
        ...(verdict.rule === undefined ? {} : { rule: verdict.rule }),
        message: verdict.message,
      }),
      transfer: counted,
    };
    note = `${subscriptionId}: ${verdict.message}`;
  }
  const recorded = await recordOnLineItem(
    rt,
    { customerId, migrationId: migrationId, subscriptionId: subscriptionId },
    due,
    outcome,
  );
  return result(
    [recorded.done ? note : `${subscriptionId}: poll ${poll} already recorded`],
    verdict.kind === "failed",
    recorded,
  );
}

/** Schedules poll `poll` of an item's transfer; its message id is fixed, so a second send is dropped. */
async function schedulePoll(
  rt: Pick<Runtime, "send" | "now" | "config">,
  migration: Migration,
  subscriptionId: string,
  transferId: string,
  poll: number,
  delaySeconds = pollDelaySeconds(poll, rt.config.PARTNER_CENTER_TRANSFER_POLL_SECONDS),
): Promise<void> {
  const item = createHash("sha256")
    .update(`${migration.id}\u0000${subscriptionId}`)
    .digest("hex")
    .slice(0, 40);
  const message: TransferPollMessage = {
    schemaVersion: 1,
    type: "transfer-poll",
    requestId: `transfer-poll-${item}-${poll}`,
    customerId: migration.customerId,
    migrationId: migration.id,
    subscriptionId,
    transferId,
    poll,
  };
  await rt.send(QUEUES.migrations, message, {
    scheduledAt: new Date(rt.now().getTime() + delaySeconds * 1000),
  });
}
