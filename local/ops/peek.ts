/**
 * Reading a queue or its dead-letter queue without touching it: peeks, page by page, from the first
 * message on. Counting this way needs only the Data Receiver role (the runtime counts need Manage).
 */
import type { ServiceBusClient, ServiceBusReceivedMessage } from "@azure/service-bus";

const PAGE = 250;
/** Beyond this many messages, a count says "at least". */
export const PEEK_LIMIT = 10_000;

export type SubQueue = "active" | "deadLetter";

/** Every message (up to `limit`), oldest first. */
export async function peekAll(
  client: ServiceBusClient,
  queue: string,
  subQueue: SubQueue,
  limit = PEEK_LIMIT,
): Promise<ServiceBusReceivedMessage[]> {
  const receiver = client.createReceiver(
    queue,
    subQueue === "deadLetter" ? { subQueueType: "deadLetter" } : {},
  );
  const all: ServiceBusReceivedMessage[] = [];
  try {
    while (all.length < limit) {
      // The receiver remembers where the last peek stopped.
      const page = await receiver.peekMessages(Math.min(PAGE, limit - all.length));
      if (page.length === 0) break;
      all.push(...page);
    }
  } finally {
    await receiver.close();
  }
  return all;
}

export interface Depth {
  readonly count: number;
  /** True when there may be more than `count` (the peek stopped at its limit). */
  readonly atLeast: boolean;
}

export async function depth(client: ServiceBusClient, queue: string, subQueue: SubQueue): Promise<Depth> {
  const count = (await peekAll(client, queue, subQueue)).length;
  return { count, atLeast: count >= PEEK_LIMIT };
}
