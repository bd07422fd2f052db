/** Whether Table Storage and Service Bus answer, each within a time limit, checked side by side. */
import { errorMessage } from "../errors.js";
import type { Health } from "../http/views.js";
import { QUEUES } from "../messaging/messages.js";
import { probeServiceBus } from "../messaging/sender.js";
import type { TableStore } from "../storage/index.js";
import { getEntity } from "../storage/index.js";

export const HEALTH_TIMEOUT_MS = 3_000;

export async function checkHealth(store: TableStore, timeoutMs = HEALTH_TIMEOUT_MS): Promise<Health> {
  const [tableStorage, serviceBus] = await Promise.all([
    probe(() => getEntity(store, "customer", "health-probe", "profile"), timeoutMs),
    probe(() => probeServiceBus(QUEUES.migrations), timeoutMs),
  ]);
  return {
    status: tableStorage.ok && serviceBus.ok ? "ok" : "unavailable",
    checks: { tableStorage, serviceBus },
  };
}

async function probe(
  check: () => Promise<unknown>,
  timeoutMs: number,
): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: errorMessage(error, { firstLine: true }) };
  } finally {
    clearTimeout(timer);
  }
}
