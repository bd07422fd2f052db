/**
 * Writes to one index partition from concurrent commits of one process go out together: while a
 * partition's transaction is on the wire, the writes that arrive for it wait and then leave as ONE
 * transaction (up to 100 operations, never the same row twice), so a partner's map partition costs
 * one round trip per flight, not one per commit. Nothing waits when nothing is in flight: an idle
 * process writes at once. A shared transaction that fails is sent again writer by writer, so one
 * commit's bad write fails only that commit.
 */
import type { TableClient, TransactionAction } from "@azure/data-tables";

import { MAX_TRANSACTION_OPERATIONS } from "./limits.js";

export interface RowAction {
  readonly rowKey: string;
  readonly action: TransactionAction;
}

interface Waiting {
  readonly actions: readonly RowAction[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

type Send = (actions: readonly RowAction[]) => Promise<void>;

class PartitionWriter {
  private queue: Waiting[] = [];
  private flying = false;

  constructor(private readonly send: Send) {}

  write(actions: readonly RowAction[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ actions, resolve, reject });
      if (!this.flying) void this.fly();
    });
  }

  private async fly(): Promise<void> {
    this.flying = true;
    while (this.queue.length > 0) {
      const batch = this.nextBatch();
      try {
        await this.send(batch.flatMap((waiting) => waiting.actions));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        else await Promise.all(batch.map((waiting) => this.alone(waiting)));
      }
    }
    this.flying = false;
  }

  /** The longest run of waiting writes, in arrival order, that fits one transaction. */
  private nextBatch(): Waiting[] {
    const rows = new Set<string>();
    let operations = 0;
    let taken = 0;
    for (const waiting of this.queue) {
      const fits =
        taken === 0 ||
        (operations + waiting.actions.length <= MAX_TRANSACTION_OPERATIONS &&
          waiting.actions.every((action) => !rows.has(action.rowKey)));
      if (!fits) break;
      for (const action of waiting.actions) rows.add(action.rowKey);
      operations += waiting.actions.length;
      taken += 1;
    }
    const batch = this.queue.slice(0, taken);
    this.queue = this.queue.slice(taken);
    return batch;
  }

  private async alone(waiting: Waiting): Promise<void> {
    try {
      await this.send(waiting.actions);
      waiting.resolve();
    } catch (error) {
      waiting.reject(error);
    }
  }
}

const writers = new WeakMap<TableClient, Map<string, PartitionWriter>>();

/** Sends `actions` (one partition's, at most 100) with whatever else is waiting for that partition. */
export function writePartition(
  client: TableClient,
  partitionKey: string,
  actions: readonly RowAction[],
  send: Send,
): Promise<void> {
  let byPartition = writers.get(client);
  if (byPartition === undefined) {
    byPartition = new Map();
    writers.set(client, byPartition);
  }
  let writer = byPartition.get(partitionKey);
  if (writer === undefined) {
    writer = new PartitionWriter(send);
    byPartition.set(partitionKey, writer);
  }
  return writer.write(actions);
}
