/**
 * Partners and offers change rarely and are read by every decision, so each process keeps them for a
 * short while: in the steady state a migration costs no reference round trip. A PUT on this process
 * refreshes its own copy at once; other instances see the change within the TTL.
 */
import type { Offer, Partner } from "../domain/model.js";
import { getOffers, getPartner, type TableStore } from "../storage/index.js";

export const REFERENCE_TTL_MS = 30_000;

interface Entry<T> {
  value: T | undefined;
  until: number;
}

export class ReferenceCache {
  private readonly partners = new Map<string, Entry<Partner>>();
  private readonly offers = new Map<string, Entry<Offer>>();

  constructor(
    private readonly store: TableStore,
    private readonly ttlMs = REFERENCE_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async partner(id: string): Promise<Partner | undefined> {
    const cached = this.fresh(this.partners.get(id));
    if (cached !== undefined) return cached.value;
    const value = await getPartner(this.store, id);
    this.partners.set(id, { value, until: this.clock() + this.ttlMs });
    return value;
  }

  /** The offers with these ids that exist; one query for all that are not cached. */
  async offersById(ids: Iterable<string>): Promise<Map<string, Offer>> {
    const found = new Map<string, Offer>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.fresh(this.offers.get(id));
      if (cached === undefined) missing.push(id);
      else if (cached.value !== undefined) found.set(id, cached.value);
    }
    if (missing.length > 0) {
      const loaded = await getOffers(this.store, missing);
      const until = this.clock() + this.ttlMs;
      for (const id of missing) {
        const value = loaded.get(id);
        this.offers.set(id, { value, until });
        if (value !== undefined) found.set(id, value);
      }
    }
    return found;
  }

  rememberPartner(partner: Partner): void {
    this.partners.set(partner.id, { value: partner, until: this.clock() + this.ttlMs });
  }

  rememberOffer(offer: Offer): void {
    this.offers.set(offer.id, { value: offer, until: this.clock() + this.ttlMs });
  }

  private fresh<T>(entry: Entry<T> | undefined): Entry<T> | undefined {
    return entry !== undefined && entry.until > this.clock() ? entry : undefined;
  }
}
