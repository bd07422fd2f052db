/**
 * Live mode: what moving a subscription from another CSP partner takes in Partner Center — a
 * transfer the new partner creates (MC-6 for Azure, MC-3 `license-transfer` for a new-commerce
 * licence), then followed until Partner Center says it is complete or failed. Pure: the pipeline
 * (shared/pipeline/transfers.ts) makes the calls and schedules the polls.
 */
import type { LineItem, LineItemTransfer, Relationship, RuleId, Subscription } from "./model.js";
import { fixedRequestId } from "./requestIds.js";

/** Partner Center's transfer type for new-commerce transfers (Azure plan subscriptions and licences). */
export const NEW_COMMERCE_TRANSFER_TYPE = 5;

/** Polls of a transfer before the service gives up on it (with the back-off, about a day). */
export const TRANSFER_MAX_POLLS = 30;

/** The longest wait between two polls. */
export const TRANSFER_MAX_POLL_DELAY_SECONDS = 3_600;

export type TransferPath = "azure-switch-partner" | "license-transfer";

const PRODUCT_TYPES: Record<TransferPath, LineItemTransfer["productType"]> = {
  "azure-switch-partner": "AzureSubscription",
  "license-transfer": "OnlineServicesNCE",
};

/** The rule a transfer carries out: MC-6 for Azure, MC-3 for a licence moved mid-term. */
export function transferRule(path: TransferPath): RuleId {
  return path === "azure-switch-partner" ? "MC-6" : "MC-3";
}

export function isTransferPath(path: LineItem["path"]): path is TransferPath {
  return path === "azure-switch-partner" || path === "license-transfer";
}

/**
 * The MS-RequestId a line item's transfer is created with: fixed by the migration and the original,
 * so a redelivery — or a crash between Partner Center's answer and the table write — asks again
 * with the same id and Partner Center answers the transfer it made the first time.
 */
export function transferRequestId(migrationId: string, originalSubscriptionId: string): string {
  return fixedRequestId("transfer", migrationId, originalSubscriptionId);
}

/** The transfer a provisioned item starts with: who it moves from and what, not yet created. */
export function pendingTransfer(
  path: TransferPath,
  original: Subscription,
  migrationId: string,
): LineItemTransfer {
  return {
    sourcePartnerId: original.partnerOfRecord ?? null,
    productType: PRODUCT_TYPES[path],
    requestId: transferRequestId(migrationId, original.id),
    polls: 0,
  };
}

/** Provisioned, its transfer not yet created in Partner Center. */
export function awaitsTransferCreation(item: LineItem): boolean {
  return item.execution === "transferring" && item.transfer !== undefined && item.transfer.id === undefined;
}

/** Still to be started: its transfer not yet created, or created and never polled (its first poll to schedule). */
export function awaitsTransferStart(item: LineItem): boolean {
  return awaitsTransferCreation(item) || (awaitsTransferCompletion(item) && item.transfer?.polls === 0);
}

/** Created in Partner Center and not yet complete or failed. */
export function awaitsTransferCompletion(item: LineItem): boolean {
  return item.execution === "transferring" && item.transfer?.id !== undefined;
}

/** What the service asks Partner Center to create, in Partner Center's own names. */
export interface TransferCreation {
  readonly sourcePartnerTenantId: string;
  readonly targetPartnerTenantId: string;
  /**
   * Where Partner Center tells the customer a transfer was created (documented as required): the
   * address of the customer's administrator who accepted the partner here (TEN-3), the only customer
   * address the service holds. Left out when it holds none (the customer accepted in Partner Center):
   * an empty string would name no one.
   */
  readonly customerEmailId?: string;
  readonly transferType: number;
  readonly targetProductTypes: readonly string[];
  readonly lineItems: readonly {
    readonly id: number;
    readonly subscriptionId: string;
    readonly quantity: number;
    readonly billingCycle?: string;
  }[];
}

export type TransferPlan =
  | { readonly kind: "create"; readonly creation: TransferCreation }
  | { readonly kind: "cannot"; readonly rule: RuleId; readonly message: string };

/**
 * The transfer to create for an item, or why there is none: the source partner's Partner Center
 * tenant must be known (the partner of record must be a partner linked to Partner Center).
 */
export function planTransfer(
  item: LineItem,
  transfer: LineItemTransfer,
  original: Subscription | undefined,
  tenants: { readonly source: string | undefined; readonly target: string },
  customerEmail?: string,
): TransferPlan {
  const path = isTransferPath(item.path) ? item.path : undefined;
  if (path === undefined) throw new Error(`Line item ${item.subscriptionId} is not a transfer`);
  const rule = transferRule(path);
  if (original === undefined) {
    return { kind: "cannot", rule, message: `Subscription ${item.subscriptionId} is no longer recorded` };
  }
  if (tenants.source === undefined) {
    return {
      kind: "cannot",
      rule,
      message: `The partner the subscription moves from (${transfer.sourcePartnerId ?? "unknown"}) has no Partner Center tenant here: nothing was transferred; PUT that partner with its partnerCenter`,
    };
  }
  const billingCycle =
    original.billingCycle === "monthly" || original.billingCycle === "annual"
      ? original.billingCycle
      : undefined;
  return {
    kind: "create",
    creation: {
      sourcePartnerTenantId: tenants.source,
      targetPartnerTenantId: tenants.target,
      ...(customerEmail === undefined ? {} : { customerEmailId: customerEmail }),
      transferType: NEW_COMMERCE_TRANSFER_TYPE,
      targetProductTypes: [transfer.productType],
      lineItems: [
        {
          id: 0,
          subscriptionId: original.id,
          // An Azure subscription is moved whole; a licence with its seats, which do not change (MC-3).
          quantity: path === "license-transfer" ? (original.seats ?? 1) : 1,
          ...(billingCycle === undefined ? {} : { billingCycle }),
        },
      ],
    },
  };
}

/**
 * Of the customer's transfers this partner already made, the one to carry on with instead of
 * creating another: still running (neither complete nor failed), from the same source partner, and
 * moving this subscription. So a transfer made before — by an attempt whose MS-RequestId Partner
 * Center no longer remembers, or by hand in Partner Center — is followed, never doubled.
 */
export function reusableTransfer<
  T extends TransferReading & { readonly sourcePartnerTenantId?: string | undefined },
>(
  transfers: readonly T[],
  wanted: { readonly sourcePartnerTenantId: string; readonly subscriptionId: string },
): T | undefined {
  return transfers.find(
    (transfer) =>
      transfer.sourcePartnerTenantId === wanted.sourcePartnerTenantId &&
      !COMPLETE.has(transfer.status.toLowerCase()) &&
      !FAILED.has(transfer.status.toLowerCase()) &&
      transfer.lineItems.some((line) => line.subscriptionId === wanted.subscriptionId),
  );
}

/**
 * The customer's address for Partner Center's notice of a transfer: who accepted the relationship
 * the migration runs under, when that is an e-mail address (a user principal name usually is);
 * undefined otherwise (accepted in Partner Center, or a user name that is no address).
 */
export function customerNotificationEmail(
  relationship: Pick<Relationship, "answeredBy"> | undefined,
): string | undefined {
  const by = relationship?.answeredBy;
  return by !== undefined && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(by) ? by : undefined;
}

/** The wait before poll `poll` (1-based): the base, doubled each poll, at most an hour. */
export function pollDelaySeconds(poll: number, baseSeconds: number): number {
  const doubled = baseSeconds * 2 ** Math.min(Math.max(poll - 1, 0), 20);
  return Math.min(doubled, Math.max(TRANSFER_MAX_POLL_DELAY_SECONDS, baseSeconds));
}

/** A transfer as Partner Center answers it, reduced to what the verdict reads. */
export interface TransferReading {
  readonly status: string;
  readonly lineItems: readonly {
    readonly subscriptionId?: string | undefined;
    readonly status?: string | undefined;
    readonly transferError?:
      { readonly code?: string | undefined; readonly description?: string | undefined } | undefined;
    readonly targetSubscriptionId?: string | undefined;
  }[];
}

export type PollVerdict =
  | {
      readonly kind: "wait";
      readonly status: string;
      readonly nextPoll: number;
      readonly delaySeconds: number;
    }
  | { readonly kind: "transferred"; readonly status: string; readonly newSubscriptionIds: readonly string[] }
  | {
      readonly kind: "failed";
      readonly status: string | undefined;
      readonly code: string | null;
      readonly rule?: RuleId;
      readonly message: string;
    };

const COMPLETE = new Set(["complete", "completed"]);
const FAILED = new Set(["failed", "expired", "canceled", "cancelled", "declined", "completedwitherrors"]);

/**
 * What poll `poll` of a transfer found: complete (with the new subscriptions), failed (Partner
 * Center's code and description), or still going — then the next poll and its wait, unless this was
 * the last poll allowed, when the service gives up (the item fails, naming the rule it carries out).
 */
export function judgePoll(
  reading: TransferReading | undefined,
  context: {
    readonly transferId: string;
    readonly path: TransferPath;
    readonly poll: number;
    readonly baseSeconds: number;
  },
): PollVerdict {
  const rule = transferRule(context.path);
  if (reading === undefined) {
    return {
      kind: "failed",
      status: undefined,
      code: null,
      rule,
      message: `Partner Center no longer knows transfer ${context.transferId}`,
    };
  }
  const status = reading.status;
  const failedLine = reading.lineItems.find(
    (line) => line.transferError !== undefined || FAILED.has((line.status ?? "").toLowerCase()),
  );
  if (FAILED.has(status.toLowerCase()) || failedLine !== undefined) {
    const code = failedLine?.transferError?.code ?? null;
    const description = failedLine?.transferError?.description ?? `the transfer is ${status}`;
    return {
      kind: "failed",
      status,
      code,
      message: `Partner Center did not transfer it: ${code === null ? "" : `${code}: `}${description}`.slice(
        0,
        2000,
      ),
    };
  }
  if (COMPLETE.has(status.toLowerCase())) {
    const newSubscriptionIds = reading.lineItems.flatMap((line) =>
      line.targetSubscriptionId === undefined ? [] : [line.targetSubscriptionId],
    );
    return { kind: "transferred", status, newSubscriptionIds };
  }
  if (context.poll >= TRANSFER_MAX_POLLS) {
    return {
      kind: "failed",
      status,
      code: null,
      rule,
      message: `Transfer ${context.transferId} was still ${status} after ${TRANSFER_MAX_POLLS} polls: the service stopped waiting; see it in Partner Center`,
    };
  }
  return {
    kind: "wait",
    status,
    nextPoll: context.poll + 1,
    delaySeconds: pollDelaySeconds(context.poll + 1, context.baseSeconds),
  };
}
