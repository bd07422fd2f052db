/**
 * The ids an invocation is about — request, partner, customer, migration or relationship — kept for
 * the invocation's async lifetime, so every log record and span of it carries them whoever writes
 * it. Code adds ids as it learns them; the invocation hook (invocations.ts) opens the bag.
 */
import { AsyncLocalStorage } from "node:async_hooks";

import { trace } from "@opentelemetry/api";
import { z } from "zod";

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

const messageIds = z.object(
  Object.fromEntries(LOG_FIELD_NAMES.map((name) => [name, z.string().optional().catch(undefined)])),
);

/** The ids a queue message (or any record) names, ignoring everything else in it. */
export function logFieldsOf(value: unknown): LogFields {
  const parsed = messageIds.safeParse(value);
  return parsed.success ? parsed.data : {};
}
