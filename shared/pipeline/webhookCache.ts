/**
 * Most partners have no webhook subscription, and every event of theirs would cost the dispatcher a
 * query to find that out. So each process remembers, for a short while, which partners had none:
 * in the steady state such a partner's events cost no round trip. Only "none" is remembered: a
 * partner with subscriptions has them read afresh for every event, so a changed or deleted one
 * takes effect at once. A new first subscription takes effect at once on the instance whose PUT
 * made it, and within the TTL on the others. The same knowledge keeps such a partner's committed
 * events off the queue altogether (`worthSending`): the dispatcher would only drop them.
 */
import { eventsCarried } from "../messaging/messages.js";
import type { OutgoingEvent } from "../messaging/sender.js";
import { listWebhooks, type WebhookRecord } from "../storage/webhooks.js";
import type { TableStore } from "../storage/index.js";

export const NO_WEBHOOKS_TTL_MS = 30_000;

export class WebhookCache {
  /** Partners found with no subscription, until when that is trusted. */
  private readonly none = new Map<string, number>();
  /** Reads under way, shared by the events that arrive meanwhile. */
  private readonly reading = new Map<string, Promise<WebhookRecord[]>>();

  constructor(
    private readonly store: TableStore,
    private readonly ttlMs = NO_WEBHOOKS_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The partner's subscriptions: none without a round trip while it is known to have none. */
  async subscriptions(partnerId: string): Promise<WebhookRecord[]> {
    if (this.knownToHaveNone(partnerId, this.clock())) return [];
    const under = this.reading.get(partnerId);
    if (under !== undefined) return under;
    const read = this.read(partnerId);
    this.reading.set(partnerId, read);
    try {
      return await read;
    } finally {
      this.reading.delete(partnerId);
    }
  }

  private async read(partnerId: string): Promise<WebhookRecord[]> {
    const webhooks = await listWebhooks(this.store, partnerId);
    if (webhooks.length === 0) this.none.set(partnerId, this.clock() + this.ttlMs);
    else this.none.delete(partnerId);
    return webhooks;
  }

  /**
   * The messages the dispatcher would act on: a message of committed events goes unless every one
   * is a partner's this process knows has no subscription (a delivery attempt always goes).
   */
  worthSending(messages: readonly OutgoingEvent[]): OutgoingEvent[] {
    const now = this.clock();
    return messages.filter(({ message }) => {
      const events = eventsCarried(message);
      return events.length === 0 || !events.every((event) => this.knownToHaveNone(event.partnerId, now));
    });
  }

  private knownToHaveNone(partnerId: string, now: number): boolean {
    return (this.none.get(partnerId) ?? 0) > now;
  }

  /** A subscription was put on this process: read the partner's afresh from now on. */
  forget(partnerId: string): void {
    this.none.delete(partnerId);
  }
}

const caches = new WeakMap<TableStore, WebhookCache>();

/** The process's cache for a store (one per store, so tests with their own store get their own). */
export function webhookCacheOf(store: TableStore): WebhookCache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new WebhookCache(store);
    caches.set(store, cache);
  }
  return cache;
}
