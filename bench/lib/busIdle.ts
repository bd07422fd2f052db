/**
 * Whether the app's pipeline has finished on Service Bus: nothing active or scheduled on the
 * migrations and partner-events queues. A benchmark that counts CPU or round trips per migration
 * waits for this before it starts and before it stops counting, so the relay's and the
 * dispatcher's work (which lags the processor) is counted for the migrations measured, no others.
 */
import type { EmulatorStats } from "../../local/servicebus/index.js";
import { QUEUES } from "../../shared/messaging/messages.js";

export function queuesIdle(stats: EmulatorStats): boolean {
  return [QUEUES.migrations, QUEUES.events].every((queue) => {
    const counts = stats.entities[queue];
    return counts !== undefined && counts.active === 0 && counts.scheduled === 0;
  });
}

export async function untilQueuesIdle(
  busStats: () => Promise<EmulatorStats>,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const stats = await busStats();
    if (queuesIdle(stats)) return;
    if (performance.now() > deadline) {
      throw new Error(`queues still busy after ${timeoutMs} ms: ${JSON.stringify(stats.entities)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
