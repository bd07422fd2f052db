/**
 * Live mode: the licence items a decision provisioned (execution `ordering`) are bought in Partner
 * Center as the partner — a cart with the target offer's catalogue item, quantity = seats, then its
 * checkout — outside the partition transaction; each result is then recorded on its item (`ordered`
 * with the order, or `order-failed` with the reason) in a unit of work of its own.
 * At-least-once without buying twice: cart and checkout carry an MS-RequestId fixed per line item
 * (orderRequestId), and a checked-out cart answers the order it made, so a redelivery — or a crash
 * between checkout and the table write — asks again and gets the same order, recorded once (only
 * while the item is still `ordering`). Throttling, server errors and time-outs throw
 * (PartnerCenterError, retryable) and the message comes again later (queueTrigger.ts); nothing waits
 * here. A refusal (another 4xx, or order errors in the checkout's answer) is recorded, once, and not
 * retried.
 */
import {
  awaitsOrder,
  type LineItem,
  type Migration,
  orderRequestId,
  type PartnerCenterLink,
  planOrder,
  type RuleId,
  toIso,
} from "../domain/index.js";
import { type PartnerCenterClient, refusalIn } from "../partnerCenter/client.js";
import type { CustomerState } from "../storage/index.js";
import { recordOnLineItem } from "./lineItemRecord.js";
import { NO_STEP, type PartnerCenterStep, stepEachAwaiting } from "./partnerCenterStep.js";
import type { Runtime } from "./runtime.js";

type Outcome = Pick<LineItem, "execution" | "order" | "orderError">;

/** What buying needs: the processors pass their runtime, the sweep its own (sweep.ts). */
export type OrderRuntime = Pick<Runtime, "store" | "now" | "reference" | "partnerCenter"> &
  Partial<Pick<Runtime, "sendEvents">>;

/** Buys (once) every item still `ordering` of the migrations `select` picks in `state`; in records mode, nothing. */
export async function placeOrders(
  rt: OrderRuntime,
  state: CustomerState,
  select: (migration: Migration) => boolean,
): Promise<PartnerCenterStep> {
  const client = rt.partnerCenter;
  if (client === undefined) return NO_STEP;
  return stepEachAwaiting(state, select, awaitsOrder, async (migration, item) => {
    const link = (await rt.reference.partner(migration.partnerId))?.partnerCenter;
    const outcome = await buy(rt, client, link, migration, item);
    const recorded = await recordOnLineItem(
      rt,
      { customerId: state.customerId, migrationId: migration.id, subscriptionId: item.subscriptionId },
      awaitsOrder,
      outcome,
    );
    const note = recorded.done
      ? outcome.order !== undefined
        ? `${item.subscriptionId}: ordered in Partner Center (order ${outcome.order.id}, subscription ${outcome.order.subscriptionId})`
        : `${item.subscriptionId}: not bought: ${outcome.orderError?.message ?? ""}`
      : `${item.subscriptionId}: order already recorded`;
    return {
      notes: [note],
      warn: outcome.orderError !== undefined,
      attempts: recorded.attempts,
      writes: recorded.writes,
      path: recorded.path,
    };
  });
}

async function buy(
  rt: OrderRuntime,
  client: PartnerCenterClient,
  link: PartnerCenterLink | undefined,
  migration: Migration,
  item: LineItem,
): Promise<Outcome> {
  const at = toIso(rt.now());
  const failed = (status: number | null, message: string, rule?: RuleId) => ({
    execution: "order-failed" as const,
    orderError: { status, ...(rule === undefined ? {} : { rule }), message: message.slice(0, 2000), at },
  });
  if (link === undefined) {
    return failed(
      null,
      `partner ${migration.partnerId} has no Partner Center link: nothing was bought; PUT the partner's partnerCenter`,
    );
  }
  const offer =
    item.targetOfferId === null
      ? undefined
      : (await rt.reference.offersById([item.targetOfferId])).get(item.targetOfferId);
  const plan = planOrder(item, offer);
  if (plan.kind === "cannot") return failed(null, plan.message, plan.rule);
  const requestId = orderRequestId(migration.id, item.subscriptionId);
  try {
    const cart = await client.createCart(
      link,
      migration.customerId,
      [
        {
          id: 0,
          catalogItemId: plan.catalogItemId,
          quantity: plan.quantity,
          billingCycle: plan.billingCycle,
          ...(plan.termDuration === undefined ? {} : { termDuration: plan.termDuration }),
        },
      ],
      requestId,
    );
    const result = await client.checkoutCart(link, migration.customerId, cart.id, requestId);
    const order = result.orders[0];
    const subscriptionId = order?.lineItems[0]?.subscriptionId;
    if (order === undefined || subscriptionId === undefined) {
      const refused = result.orderErrors.map((error) => `${String(error.code)}: ${error.description}`);
      return failed(null, `Partner Center made no order: ${refused.join("; ") || "its checkout named none"}`);
    }
    return {
      execution: "ordered",
      order: {
        id: order.id,
        subscriptionId,
        cartId: cart.id,
        requestId,
        catalogItemId: plan.catalogItemId,
        quantity: plan.quantity,
        at,
      },
    };
  } catch (error) {
    // A refusal is recorded, once; throttling, faults and time-outs are retried by redelivery.
    const refusal = refusalIn(error);
    return failed(refusal.status ?? null, `Partner Center refused the order: ${refusal.message}`);
  }
}
