/**
 * Maps plain domain objects to Table Storage properties and back.
 *
 * - Strings, booleans and 32-bit integers are stored as they are, so rows stay readable in any
 *   table browser.
 * - Everything else (arrays, objects, null, other numbers, strings too long for one property) is
 *   JSON in a property named `<field>_json`, cut into `<field>_json_0`, `_1`, … when longer than one
 *   string property may be (64 KiB). Writes always replace whole entities, so a field never
 *   lingers under its other name.
 * - Names starting with `_` are the storage layer's own metadata (e.g. `_rev`), not domain fields.
 *
 * Reading back always goes through the entity's zod schema: a row that does not decode raises a
 * CorruptEntityError naming its table, partition and row, and is never passed on.
 */
import type { z } from "zod";

import { errorMessage } from "../errors.js";
import { CorruptEntityError, type EntityAddress } from "./errors.js";
import { isInt32, JSON_CHUNK_CHARS, MAX_STRING_CHARS, type PropertyValue } from "./limits.js";

export type StoredProperties = Record<string, PropertyValue>;

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const JSON_WHOLE = /^([A-Za-z][A-Za-z0-9]*)_json$/;
const JSON_CHUNK = /^([A-Za-z][A-Za-z0-9]*)_json_(\d+)$/;
/** Properties the service or the SDK adds to every entity read. */
const SYSTEM_PROPERTIES = new Set(["partitionKey", "rowKey", "etag", "timestamp"]);

/** Encodes a domain object's fields (not its keys) into storable properties. */
export function encodeFields(value: Readonly<Record<string, unknown>>): StoredProperties {
  const properties: StoredProperties = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === undefined) continue;
    if (!FIELD_NAME.test(name)) {
      throw new Error(`Field name "${name}" cannot be stored: letters and digits only`);
    }
    if (typeof field === "boolean" || (typeof field === "number" && isInt32(field))) {
      properties[name] = field;
    } else if (typeof field === "string" && field.length <= MAX_STRING_CHARS) {
      properties[name] = field;
    } else {
      Object.assign(properties, encodeJson(name, field));
    }
  }
  return properties;
}

function encodeJson(name: string, value: unknown): StoredProperties {
  const json = JSON.stringify(value);
  if (typeof json !== "string") throw new Error(`Field "${name}" cannot be stored as JSON`);
  if (json.length <= JSON_CHUNK_CHARS) return { [`${name}_json`]: json };
  const chunks: StoredProperties = {};
  for (let index = 0; index * JSON_CHUNK_CHARS < json.length; index += 1) {
    chunks[`${name}_json_${index}`] = json.slice(index * JSON_CHUNK_CHARS, (index + 1) * JSON_CHUNK_CHARS);
  }
  return chunks;
}

/** The domain fields of a stored entity: system and metadata properties dropped, JSON decoded. */
export function decodeFields(
  address: EntityAddress,
  entity: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const chunks = new Map<string, Map<number, unknown>>();
  const problems: string[] = [];
  for (const [name, stored] of Object.entries(entity)) {
    if (SYSTEM_PROPERTIES.has(name) || name.startsWith("odata.") || name.startsWith("_")) continue;
    const chunk = JSON_CHUNK.exec(name);
    const whole = JSON_WHOLE.exec(name);
    if (chunk?.[1] !== undefined && chunk[2] !== undefined) {
      const parts = chunks.get(chunk[1]) ?? new Map<number, unknown>();
      parts.set(Number(chunk[2]), stored);
      chunks.set(chunk[1], parts);
    } else if (whole?.[1] !== undefined) {
      setParsed(fields, whole[1], stored, problems);
    } else {
      fields[name] = stored;
    }
  }
  for (const [name, parts] of chunks) {
    const ordered = [...parts.keys()].sort((a, b) => a - b);
    if (ordered.some((index, position) => index !== position)) {
      problems.push(`${name}: JSON parts ${ordered.join(", ")} are not contiguous from 0`);
      continue;
    }
    const texts = ordered.map((index) => parts.get(index));
    if (texts.some((text) => typeof text !== "string")) {
      problems.push(`${name}: a JSON part is not a string`);
      continue;
    }
    setParsed(fields, name, texts.join(""), problems);
  }
  if (problems.length > 0) throw new CorruptEntityError(address, problems);
  return fields;
}

function setParsed(fields: Record<string, unknown>, name: string, stored: unknown, problems: string[]): void {
  if (typeof stored !== "string") {
    problems.push(`${name}: JSON property is not a string`);
    return;
  }
  try {
    fields[name] = JSON.parse(stored);
  } catch (error) {
    problems.push(`${name}: invalid JSON (${errorMessage(error)})`);
  }
}

/** Decodes and validates a stored entity; throws CorruptEntityError with the zod issues. */
export function decodeEntity<S extends z.ZodType>(
  schema: S,
  address: EntityAddress,
  entity: Readonly<Record<string, unknown>>,
): z.output<S> {
  const parsed = schema.safeParse(decodeFields(address, entity));
  if (!parsed.success) {
    throw new CorruptEntityError(
      address,
      parsed.error.issues.map(
        (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(entity)"}: ${issue.message}`,
      ),
    );
  }
  return parsed.data;
}
