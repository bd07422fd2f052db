/**
 * Sweeps one customer from the customer-sweeps queue, which the nightly timer and the admin sweep
 * fill with one message per due customer: so the sweep spreads over every instance. A customer that
 * cannot be finished throws, so Service Bus delivers the message again (and dead-letters it after the
 * queue's maxDeliveryCount); one Partner Center throttled or failed is sent again, scheduled for later
 * (queueTrigger.ts), and once that budget is spent it is left to the next night: that run queues
 * whatever is still due either way.
 */
import { app, type InvocationContext } from "@azure/functions";

import { QUEUES, sweepMessageSchema } from "../shared/messaging/messages.js";
import { readQueueMessage } from "../shared/pipeline/queueMessage.js";
import { queueTrigger } from "../shared/pipeline/queueTrigger.js";
import { summary, sweepQueuedCustomer } from "../shared/pipeline/sweep.js";

export async function processSweepMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = readQueueMessage(sweepMessageSchema, QUEUES.sweeps, message);
  const transitions = await sweepQueuedCustomer(parsed, {
    log: (line) => {
      context.warn(line);
    },
  });
  const report = { asOf: parsed.asOf, dryRun: false, customers: 1, transitions };
  context.log(`sweep of customer ${parsed.customerId} as of ${parsed.asOf}: ${summary(report)}`);
}

/** The registered trigger: Partner Center's throttling is asked again later, then left to the next night. */
export const sweepTrigger = queueTrigger(QUEUES.sweeps, sweepMessageSchema, processSweepMessage, {
  // The due index still names the customer (an original is retired only once its replacement is ordered).
  exhausted: (message, reason) => `customer ${message.customerId}: ${reason}; left to the next night's sweep`,
});

app.serviceBusQueue("processSweepMessage", sweepTrigger);
