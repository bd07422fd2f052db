/** The migration a request asks for, as the intake stores and queues it (`submitted`, nothing decided yet). */
import type { Migration, MigrationRequestBody } from "../domain/index.js";
import type { Submission } from "./submit.js";

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

/** What the intake stores and sends for a migration request: POST /api/migrations and each bulk customer. */
export function migrationSubmission(body: MigrationRequestBody, now: Date): Submission {
  return {
    kind: "migration",
    entity: (id) => submittedMigration(id, body, now),
    message: (id) => ({
      schemaVersion: 1,
      type: "migration-request",
      requestId: id,
      customerId: body.customerId,
      migrationId: id,
    }),
  };
}
