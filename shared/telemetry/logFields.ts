/**
 * The ids an invocation is about — request, partner, customer, migration or relationship — kept for
 * the invocation's async lifetime, so every log record and span of it carries them whoever writes
 * it. Code adds ids as it learns them; the invocation hook (invocations.ts) opens the bag.
 */
import { AsyncLocalStorage } from "node:async_hooks";

import { trace } from "@opentelemetry/api";

export const LOG_FIELD_NAMES = [
  "requestId",
  "partnerId",
  "customerId",
  "migrationId",
  "relationshipId",
] as const;

export type LogFields = Partial<Record<(typeof LOG_FIELD_NAMES)[number], string>>;

const bags = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with a fresh, empty bag of fields (one per invocation). */
export function withLogFields<T>(fn: () => T): T {
  return bags.run({}, fn);
}

/** Adds ids to the running invocation's fields and to its active span; nothing outside one. */
export function addLogFields(fields: LogFields): void {
  const bag = bags.getStore();
  const defined = Object.fromEntries(
    Object.entries(fields as Record<string, string | undefined>).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  if (bag !== undefined) Object.assign(bag, defined);
  trace.getActiveSpan()?.setAttributes(defined);
}

/** The running invocation's fields so far (a copy). */
export function currentLogFields(): LogFields {
  return { ...bags.getStore() };
}

/**
 * The ids a queue message (or any record) names, ignoring everything else in it: the string fields
 * of LOG_FIELD_NAMES, read without a schema (this runs for every message and send, and validates
 * nothing: the message's own schema does).
 */
export function logFieldsOf(value: unknown): LogFields {
  const fields: LogFields = {};
  if (typeof value !== "object" || value === null) return fields;
  const record = value as Record<string, unknown>;
  for (const name of LOG_FIELD_NAMES) {
    const field = record[name];
    if (typeof field === "string") fields[name] = field;
  }
  return fields;
}
