/**
 * Sweeps one customer from the customer-sweeps queue, which the nightly timer and the admin sweep
 * fill with one message per due customer: so the sweep spreads over every instance. A customer that
 * cannot be finished throws, so Service Bus delivers the message again (and dead-letters it after the
 * queue's maxDeliveryCount); one Partner Center throttled or failed is sent again, scheduled for later
 * (sweepRetry.ts). The next night's run queues whatever is still due either way.
 */
import { app, type InvocationContext } from "@azure/functions";

import { QUEUES, sweepMessageSchema } from "../shared/messaging/messages.js";
import { readQueueMessage } from "../shared/pipeline/queueMessage.js";
import { summary } from "../shared/pipeline/sweep.js";
import { sweepQueuedCustomerOrRetry } from "../shared/pipeline/sweepRetry.js";

export async function processSweepMessage(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = readQueueMessage(sweepMessageSchema, QUEUES.sweeps, message);
  const transitions = await sweepQueuedCustomerOrRetry(parsed, {
    log: (line) => {
      context.warn(line);
    },
  });
  const report = { asOf: parsed.asOf, dryRun: false, customers: 1, transitions };
  context.log(`sweep of customer ${parsed.customerId} as of ${parsed.asOf}: ${summary(report)}`);
}

app.serviceBusQueue("processSweepMessage", {
  connection: "ServiceBusConnection",
  queueName: QUEUES.sweeps,
  handler: processSweepMessage,
});
