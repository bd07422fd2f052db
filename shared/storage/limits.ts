/**
 * Table Storage's limits, checked before anything is sent so an oversized write fails with a message
 * naming the entity instead of a bare 400 from the service.
 * https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
 */
import { EntityLimitError, type EntityAddress } from "./errors.js";

/** A string property holds at most 64 KiB of UTF-16: 32,768 code units; JSON is cut a little below. */
export const MAX_STRING_CHARS = 32_768;
export const JSON_CHUNK_CHARS = 32_000;
/** 255 properties per entity, of which PartitionKey, RowKey and Timestamp are the service's. */
export const MAX_PROPERTIES = 252;
export const MAX_ENTITY_BYTES = 1024 * 1024;
export const MAX_KEY_CHARS = 512;
export const MAX_TRANSACTION_OPERATIONS = 100;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

export type PropertyValue = string | number | boolean;

/** Characters Table Storage refuses in PartitionKey and RowKey. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

export function checkKey(kind: "PartitionKey" | "RowKey", key: string): void {
  if (key.length > MAX_KEY_CHARS) {
    throw new Error(`${kind} longer than ${MAX_KEY_CHARS} characters: "${key}"`);
  }
  if (FORBIDDEN_KEY_CHARS.test(key)) {
    throw new Error(`${kind} contains a character Table Storage refuses: "${key}"`);
  }
}

/** The service's own size formula (UTF-16 strings, fixed-size scalars). */
export function entitySizeBytes(
  address: EntityAddress,
  properties: Readonly<Record<string, PropertyValue>>,
): number {
  let size = 4 + address.partitionKey.length * 2 + address.rowKey.length * 2;
  for (const [name, value] of Object.entries(properties)) {
    size += 8 + name.length * 2 + valueSize(value);
  }
  return size;
}

export function checkEntityLimits(
  address: EntityAddress,
  properties: Readonly<Record<string, PropertyValue>>,
): void {
  checkKey("PartitionKey", address.partitionKey);
  checkKey("RowKey", address.rowKey);
  const names = Object.keys(properties);
  if (names.length > MAX_PROPERTIES) {
    throw new EntityLimitError(address, `${names.length} properties (at most ${MAX_PROPERTIES})`);
  }
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value === "string" && value.length > MAX_STRING_CHARS) {
      throw new EntityLimitError(
        address,
        `property "${name}" holds ${value.length} characters (at most ${MAX_STRING_CHARS})`,
      );
    }
  }
  const size = entitySizeBytes(address, properties);
  if (size > MAX_ENTITY_BYTES) {
    throw new EntityLimitError(address, `${size} bytes (at most ${MAX_ENTITY_BYTES})`);
  }
}

function valueSize(value: PropertyValue): number {
  if (typeof value === "string") return 4 + value.length * 2;
  if (typeof value === "boolean") return 1;
  return isInt32(value) ? 4 : 8;
}

export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647;
}
