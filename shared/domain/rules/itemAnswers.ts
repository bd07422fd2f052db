/**
 * Live mode: what Partner Center answered for one line item (its order, or where its transfer
 * stands), applied to the item's migration — the item's fields; then its original retired when the
 * cancellation is due and the replacement now recorded (MIG-9: an immediate cancellation waits for
 * this); then the migration settled, reaching its final status only once every item is settled
 * (a transfer complete or failed).
 */
import type { IsoTime, LineItem, Migration, Subscription } from "../model.js";
import { lineItemHistory, type MigrationOutcome } from "../outcomes.js";
import { originalRetirement } from "../orders.js";
import { retireOriginalIfDue } from "../provisioning.js";
import { settleMigration } from "./migrations.js";
import { SYSTEM_ACTOR } from "./relationships.js";

export function applyPartnerCenterAnswer(
  migration: Migration,
  subscriptionId: string,
  answer: Partial<LineItem>,
  original: Subscription | undefined,
  now: IsoTime,
  by: string = SYSTEM_ACTOR,
): MigrationOutcome {
  const context = { migrationId: migration.id, partnerId: migration.partnerId, now };
  const subscriptionChanges: MigrationOutcome["subscriptionChanges"] = [];
  const items = migration.items.map((item) => {
    if (item.subscriptionId !== subscriptionId) return item;
    const answered: LineItem = { ...item, ...answer };
    if (originalRetirement(answered).kind !== "retire") return answered;
    const retired = retireOriginalIfDue(answered, original, context);
    subscriptionChanges.push(...retired.changes);
    return retired.item;
  });
  const settled = settleMigration(migration, items, now, by);
  return {
    changed: true,
    migration: settled.migration,
    path: settled.path,
    history: settled.history,
    itemHistory: lineItemHistory(migration.items, items, now, by),
    subscriptionChanges,
  };
}
