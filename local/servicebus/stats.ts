/** What the emulator counts: messages per entity, and the Service Bus operations it served. */

export interface EntityCounts {
  /** Messages available or locked (Service Bus's active message count includes locked ones). */
  readonly active: number;
  readonly locked: number;
  readonly scheduled: number;
  readonly deferred: number;
  readonly deadLettered: number;
}

export interface OperationCounts {
  connections: number;
  linksAttached: number;
  linksRefused: number;
  cbsPutTokens: number;
  /** Transfers from senders: one per single message, one per batch. */
  sendRequests: number;
  /** Messages stored (a batch counts each of its messages), duplicates excluded. */
  messagesStored: number;
  duplicatesDropped: number;
  /** Messages handed to receivers: over receive links and by receive-by-sequence-number. */
  deliveries: number;
  /** Complete, abandon, defer and dead-letter, over links or $management. */
  settlements: number;
  managementRequests: number;
  /** $management requests by operation name (`com.microsoft:renew-lock`, ...). */
  managementByOperation: Record<string, number>;
  /** Sends, deliveries, settlements and $management requests by entity path (`queue`, `queue/$DeadLetterQueue`). */
  byEntity: Record<string, number>;
}

export interface EmulatorStats {
  /** Keyed by queue name. */
  readonly entities: Readonly<Record<string, EntityCounts>>;
  readonly operations: Readonly<OperationCounts>;
  /**
   * Operations a client performed against Service Bus: send requests, deliveries, settlements and
   * $management requests (what Service Bus meters); CBS token puts are not included.
   */
  readonly totalOperations: number;
}

export function newOperationCounts(): OperationCounts {
  return {
    connections: 0,
    linksAttached: 0,
    linksRefused: 0,
    cbsPutTokens: 0,
    sendRequests: 0,
    messagesStored: 0,
    duplicatesDropped: 0,
    deliveries: 0,
    settlements: 0,
    managementRequests: 0,
    managementByOperation: {},
    byEntity: {},
  };
}

/** Counts one of the operations `totalOperations` adds up against the entity it was on. */
export function countEntityOperation(operations: OperationCounts, entityPath: string): void {
  operations.byEntity[entityPath] = (operations.byEntity[entityPath] ?? 0) + 1;
}

export function totalOperations(operations: OperationCounts): number {
  return (
    operations.sendRequests + operations.deliveries + operations.settlements + operations.managementRequests
  );
}
