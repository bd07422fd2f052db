/** The migration a request asks for, as the intake stores it (`submitted`, nothing decided yet). */
import type { Migration, MigrationRequestBody } from "../domain/index.js";

export function submittedMigration(id: string, body: MigrationRequestBody, now: Date): Migration {
  const at = now.toISOString();
  return {
    id,
    partnerId: body.partnerId,
    customerId: body.customerId,
    requestedBy: body.actor,
    status: "submitted",
    relationshipId: null,
    request: body.items,
    items: [],
    violations: [],
    createdAt: at,
    updatedAt: at,
  };
}
