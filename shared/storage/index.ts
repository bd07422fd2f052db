/** The storage layer's public API (README.md describes the table design). */
export {
  createTableStore,
  getTableStore,
  resetTableStoreForTests,
  TableStore,
  type TableStoreOptions,
} from "./tableStore.js";
export { connectionFromConfig, type TableConnection } from "./connection.js";
export { TABLE_NAMES, type TableName } from "./tableNames.js";
export {
  RoundTripCounter,
  tableRoundTrips,
  ROUND_TRIP_KINDS,
  type RoundTripKind,
  type RoundTripSnapshot,
} from "./roundTrips.js";
export {
  ConcurrencyConflictError,
  CorruptEntityError,
  EntityLimitError,
  InvalidChangesError,
  TransactionTooLargeError,
  WriteConflictError,
  type EntityAddress,
} from "./errors.js";
export { getOffer, getOffers, getPartner, putOffer, putPartner, type PutOutcome } from "./reference.js";
export {
  blankCustomerState,
  loadCustomerState,
  type CustomerState,
  type EntityOfKind,
  type LoadOptions,
  type PartitionVersion,
  type StoredEntity,
} from "./customerState.js";
export {
  appendHistory,
  put,
  type Change,
  type EntityPut,
  type HistoryAppend,
  type HistoryRecord,
} from "./changes.js";
export { commit, rewriteStandingIndexes, type CommitReceipt, type CommittedOutbox } from "./commit.js";
export { changesFit, changesProblem } from "./transactionFit.js";
export { clearOutbox, listOutboxPointers, readOutbox, type OutboxPointer, type OutboxRow } from "./outbox.js";
export {
  withCustomerPartition,
  withCustomerPartitionForMessage,
  DEFAULT_MAX_ATTEMPTS,
  type Decide,
  type Decision,
  type UnitOfWorkOptions,
  type UnitOfWorkOutcome,
} from "./unitOfWork.js";
export {
  findMigration,
  findRelationship,
  getEntity,
  listEntities,
  readHistory,
  type Found,
} from "./customerReads.js";
export {
  findCustomerOf,
  INDEX_GRACE_MS,
  listDue,
  listPartnerDue,
  removeIndexEntries,
  staleDueEntries,
  type DueEntry,
  type IndexHit,
} from "./indexes.js";
export { invitationDueAt, migrationDueAt } from "./indexPlan.js";
export {
  countByStatus,
  lastSweepSchema,
  readLastSweep,
  saveLastSweep,
  type LastSweep,
} from "./operations.js";
export {
  claim,
  complete,
  hashRequest,
  release,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  storedResponseSchema,
  type ClaimOptions,
  type ClaimResult,
  type IdempotencyScope,
  type PlannedResponse,
  type StoredResponse,
} from "./idempotency.js";
export type { StateKind, HistoryEntityKind, ByIdKind, DueKind } from "./keys.js";
export { customerNamedBy, locatingId } from "./keys.js";
export { takeSubmissionOnce, type SubmissionClaim, type SubmissionTaken } from "./submissionClaim.js";
export {
  getPartnerKey,
  insertPartnerKey,
  listPartnerKeys,
  partnerKeyRecordSchema,
  revokePartnerKey,
  type PartnerKeyRecord,
} from "./partnerKeys.js";
