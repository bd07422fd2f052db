/** Time as the rules see it: passed in, never read from a clock. */
import type { IsoTime } from "./model.js";

/** "Now" as callers pass it: an ISO 8601 string or a Date. */
export type Instant = IsoTime | Date;

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch; throws RangeError on a time that does not parse. */
export function toMillis(instant: Instant): number {
  const millis = instant instanceof Date ? instant.getTime() : Date.parse(instant);
  if (Number.isNaN(millis)) throw new RangeError(`Not a valid time: ${String(instant)}`);
  return millis;
}

/** The canonical UTC form every record stores, e.g. 2025-06-30T00:00:00.000Z. */
export function toIso(instant: Instant): IsoTime {
  return new Date(toMillis(instant)).toISOString();
}

export function addDays(instant: Instant, days: number): IsoTime {
  return new Date(toMillis(instant) + days * DAY_MS).toISOString();
}

/** True when `instant` is at or before `reference` (a due date has come). */
export function isAtOrBefore(instant: Instant, reference: Instant): boolean {
  return toMillis(instant) <= toMillis(reference);
}

/** A new term of the same length as [termStart, termEnd), starting at `start`; at least one day. */
export function sameTermLengthFrom(start: Instant, termStart: Instant, termEnd: Instant): IsoTime {
  const length = Math.max(toMillis(termEnd) - toMillis(termStart), DAY_MS);
  return new Date(toMillis(start) + length).toISOString();
}
