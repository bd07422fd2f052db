/**
 * The catalogue entries a migration decision reads (MIG-4, MIG-5): each item's current offer, its
 * requested target, and the equivalents of a discontinued current offer. Two cache look-ups at most.
 */
import type { Migration, Offer, Subscription } from "../domain/index.js";
import type { ReferenceCache } from "./referenceCache.js";

export async function offersForMigrations(
  reference: Pick<ReferenceCache, "offersById">,
  migrations: readonly Migration[],
  subscriptions: ReadonlyMap<string, Subscription>,
): Promise<Offer[]> {
  const requests = migrations.flatMap((migration) => migration.request);
  const named = new Set<string>();
  for (const request of requests) {
    const offerId = subscriptions.get(request.subscriptionId)?.offerId;
    if (offerId !== undefined) named.add(offerId);
    if (request.targetOfferId !== undefined) named.add(request.targetOfferId);
  }
  if (named.size === 0) return [];
  const found = await reference.offersById(named);
  const equivalents = new Set(
    [...found.values()]
      .filter((offer) => offer.discontinued)
      .flatMap((offer) => offer.equivalentOfferIds)
      .filter((id) => !found.has(id)),
  );
  if (equivalents.size > 0) {
    for (const [id, offer] of await reference.offersById(equivalents)) found.set(id, offer);
  }
  return [...found.values()];
}
