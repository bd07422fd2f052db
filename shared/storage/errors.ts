/** The storage layer's own errors: each names where the problem is, so a log line is enough to act on. */
import type { RestError } from "@azure/data-tables";

import { errorMessage } from "../errors.js";

/** Where an entity lives. */
export interface EntityAddress {
  readonly table: string;
  readonly partitionKey: string;
  readonly rowKey: string;
}

export function formatAddress(address: EntityAddress): string {
  return `table "${address.table}", partition "${address.partitionKey}", row "${address.rowKey}"`;
}

/** A stored entity that does not decode into its schema: never passed on. */
export class CorruptEntityError extends Error {
  constructor(
    readonly address: EntityAddress,
    readonly problems: readonly string[],
  ) {
    super(`Corrupt entity in ${formatAddress(address)}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "CorruptEntityError";
  }
}

/** An entity that would break Table Storage's limits; refused before anything is sent. */
export class EntityLimitError extends Error {
  constructor(
    readonly address: EntityAddress,
    readonly problem: string,
  ) {
    super(`Entity for ${formatAddress(address)} exceeds Table Storage limits: ${problem}`);
    this.name = "EntityLimitError";
  }
}

/** Changes a decision returned that cannot be written as asked (a programming error, not a race). */
export class InvalidChangesError extends Error {
  constructor(
    readonly customerId: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid changes for customer "${customerId}":\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "InvalidChangesError";
  }
}

/** A transaction too big for one entity-group transaction; refused whole rather than split. */
export class TransactionTooLargeError extends Error {
  constructor(
    readonly customerId: string,
    readonly problem: string,
  ) {
    super(`Changes for customer "${customerId}" do not fit one transaction: ${problem}`);
    this.name = "TransactionTooLargeError";
  }
}

/** A conditional write lost to another writer (412 stale ETag, or 409 row already exists). */
export class WriteConflictError extends Error {
  constructor(
    readonly customerId: string,
    readonly status: 404 | 409 | 412,
    readonly restError: RestError,
  ) {
    super(
      `Write to customer "${customerId}" lost to a concurrent writer (${status} ${restError.code ?? ""}): ${errorMessage(restError, { firstLine: true })}`,
      { cause: restError },
    );
    this.name = "WriteConflictError";
  }
}

/** Every attempt of a unit of work lost to concurrent writers. */
export class ConcurrencyConflictError extends Error {
  constructor(
    readonly customerId: string,
    readonly attempts: number,
    readonly lastConflict: WriteConflictError,
  ) {
    super(
      `Customer "${customerId}": gave up after ${attempts} attempts, each lost to a concurrent writer (last: ${lastConflict.status} ${lastConflict.restError.code ?? ""})`,
      { cause: lastConflict },
    );
    this.name = "ConcurrencyConflictError";
  }
}

/**
 * Whether an error is the Azure SDK's RestError. Checked by name, as @azure/core-rest-pipeline's own
 * isRestError also accepts, so that recognising one does not load the SDK at a cold start.
 */
export function isRestError(error: unknown): error is RestError {
  return error instanceof Error && error.name === "RestError";
}

/** The HTTP status of a Table Storage error, if it is one. */
export function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}
