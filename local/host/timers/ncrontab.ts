/**
 * NCRONTAB as the Functions host reads it: six fields, seconds first
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`), parsed and evaluated the way NCrontab
 * (atifaziz/NCrontab, the .NET library behind the timer trigger) does:
 *
 * - Day of month and day of week must BOTH match. NCrontab's `TryGetNextOccurrence` first finds
 *   the next date whose day and month fields match, then tests `_daysOfWeek.Contains(DayOfWeek)`
 *   and, when that fails, searches again from 23:59:59 of that day (NCrontab/CrontabSchedule.cs).
 *   Vixie cron (and croner's default) would fire when EITHER matches.
 * - A field is a comma list of `*`, `n`, `a-b`, `*\/s`, `a-b/s` or `a/s` (= a to the maximum,
 *   step s). A reversed range `b-a` is swapped (CrontabField.Accumulate).
 * - Months and days of week also take names, matched as a case-insensitive prefix of the English
 *   name (`Jan`, `january`, `Mon`); day of week runs 0-6 with Sunday 0 (7 is out of range).
 * - The next occurrence is strictly after the base time, at whole seconds.
 *
 * Deliberate difference: a step of 0 is refused here, where NCrontab silently treats it as 1.
 */

export class NcrontabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NcrontabError";
  }
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: [
      "January",
      "February",
      "March",
      "April",
      "May",
      "June",
      "July",
      "August",
      "September",
      "October",
      "November",
      "December",
    ],
  },
  {
    name: "day of week",
    min: 0,
    max: 6,
    names: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
  },
];

export interface NcrontabSchedule {
  readonly expression: string;
  readonly seconds: readonly boolean[];
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Index 1-31. */
  readonly days: readonly boolean[];
  /** Index 1-12. */
  readonly months: readonly boolean[];
  /** Index 0-6, Sunday 0. */
  readonly daysOfWeek: readonly boolean[];
}

/** Parses a six-field NCRONTAB expression; throws NcrontabError naming what is wrong. */
export function parseNcrontab(expression: string): NcrontabSchedule {
  const tokens = expression.trim().split(/\s+/).filter(Boolean);
  if (tokens.length !== 6) {
    const hint =
      tokens.length === 5
        ? " Five-field cron (minutes first) is not NCRONTAB: add the seconds field in front, e.g. '0 " +
          tokens.join(" ") +
          "'."
        : "";
    throw new NcrontabError(
      `'${expression}' is not a valid NCRONTAB expression: it needs 6 fields (second minute hour day month day-of-week), found ${tokens.length}.${hint}`,
    );
  }
  const [seconds, minutes, hours, days, months, daysOfWeek] = tokens.map((token, index) =>
    parseField(token, fieldAt(index), expression),
  ) as [boolean[], boolean[], boolean[], boolean[], boolean[], boolean[]];
  return { expression, seconds, minutes, hours, days, months, daysOfWeek };
}

function fieldAt(index: number): FieldSpec {
  const field = FIELDS[index];
  if (field === undefined) throw new RangeError(`no NCRONTAB field ${index}`);
  return field;
}

function parseField(token: string, field: FieldSpec, expression: string): boolean[] {
  const allowed: boolean[] = new Array<boolean>(field.max + 1).fill(false);
  const fail = (why: string): never => {
    throw new NcrontabError(`'${expression}': '${token}' is not a valid ${field.name} field: ${why}`);
  };
  for (const item of token.split(",")) {
    if (item === "") fail("empty list item");
    const [rangePart = "", stepPart, extra] = item.split("/");
    if (extra !== undefined) fail(`'${item}' has more than one '/'`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart)) fail(`step '${stepPart}' is not a number`);
      step = Number(stepPart);
      if (step < 1) fail("a step must be at least 1");
    }
    let start: number;
    let end: number;
    if (rangePart === "*") {
      start = field.min;
      end = field.max;
    } else if (rangePart.includes("-")) {
      const [first = "", last = "", more] = rangePart.split("-");
      if (more !== undefined) fail(`'${rangePart}' is not a range`);
      start = parseValue(first, field, fail);
      end = parseValue(last, field, fail);
      if (start > end) [start, end] = [end, start];
    } else {
      start = parseValue(rangePart, field, fail);
      end = stepPart === undefined ? start : field.max;
    }
    for (let value = start; value <= end; value += step) allowed[value] = true;
  }
  return allowed;
}

function parseValue(text: string, field: FieldSpec, fail: (why: string) => never): number {
  if (text === "") return fail("a value is empty");
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      fail(`${value} is outside ${field.min}-${field.max}`);
    }
    return value;
  }
  const names = field.names;
  if (names === undefined) return fail(`'${text}' is not a number`);
  const index = names.findIndex((name) => name.toLowerCase().startsWith(text.toLowerCase()));
  if (index < 0) return fail(`'${text}' is not a known ${field.name} name`);
  return index + field.min;
}

/** How calendar fields map to instants: the process's local time (as the host) or UTC. */
export type TimeZoneMode = "local" | "utc";

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function toCivil(instant: Date, zone: TimeZoneMode): Civil {
  return zone === "utc"
    ? {
        year: instant.getUTCFullYear(),
        month: instant.getUTCMonth() + 1,
        day: instant.getUTCDate(),
        hour: instant.getUTCHours(),
        minute: instant.getUTCMinutes(),
        second: instant.getUTCSeconds(),
      }
    : {
        year: instant.getFullYear(),
        month: instant.getMonth() + 1,
        day: instant.getDate(),
        hour: instant.getHours(),
        minute: instant.getMinutes(),
        second: instant.getSeconds(),
      };
}

function fromCivil(civil: Civil, zone: TimeZoneMode): Date {
  const { year, month, day, hour, minute, second } = civil;
  if (zone === "utc") return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const local = new Date(year, month - 1, day, hour, minute, second);
  // Years below 100 are mapped to 19xx by the Date constructor; set them explicitly.
  local.setFullYear(year);
  return local;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function firstAllowed(allowed: readonly boolean[], from: number): number | undefined {
  for (let value = from; value < allowed.length; value++) if (allowed[value] === true) return value;
  return undefined;
}

/**
 * Every weekday/leap-year combination repeats within 28 years (inside 1901-2099), so a date
 * pattern with no match in that span never matches (e.g. 30 February).
 */
const SEARCH_YEARS = 28;

/**
 * The first occurrence strictly after `after` (at whole seconds), or undefined when the schedule
 * never fires.
 */
export function nextOccurrence(
  schedule: NcrontabSchedule,
  after: Date,
  zone: TimeZoneMode = "local",
): Date | undefined {
  const start = toCivil(new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000), zone);
  const lastYear = start.year + SEARCH_YEARS;
  let { year, month, day } = start;
  let sameDayAsStart = true;
  while (year <= lastYear) {
    if (schedule.months[month] !== true) {
      const nextMonth = firstAllowed(schedule.months, month + 1);
      if (nextMonth === undefined) {
        year++;
        month = firstAllowed(schedule.months, 1) ?? 1;
      } else month = nextMonth;
      day = 1;
      sameDayAsStart = false;
      continue;
    }
    if (day > daysInMonth(year, month)) {
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
      day = 1;
      sameDayAsStart = false;
      continue;
    }
    if (schedule.days[day] === true && schedule.daysOfWeek[dayOfWeek(year, month, day)] === true) {
      const time = sameDayAsStart ? firstTimeFrom(schedule, start) : firstTimeOfDay(schedule);
      if (time !== undefined) return fromCivil({ year, month, day, ...time }, zone);
    }
    day++;
    sameDayAsStart = false;
  }
  return undefined;
}

type TimeOfDay = Pick<Civil, "hour" | "minute" | "second">;

function firstTimeOfDay(schedule: NcrontabSchedule): TimeOfDay | undefined {
  return firstTimeFrom(schedule, { hour: 0, minute: 0, second: 0 });
}

/** The first allowed time of day at or after `from`, or undefined if none is left that day. */
function firstTimeFrom(schedule: NcrontabSchedule, from: TimeOfDay): TimeOfDay | undefined {
  for (
    let hour = firstAllowed(schedule.hours, from.hour);
    hour !== undefined;
    hour = firstAllowed(schedule.hours, hour + 1)
  ) {
    const minuteFrom = hour === from.hour ? from.minute : 0;
    for (
      let minute = firstAllowed(schedule.minutes, minuteFrom);
      minute !== undefined;
      minute = firstAllowed(schedule.minutes, minute + 1)
    ) {
      const secondFrom = hour === from.hour && minute === from.minute ? from.second : 0;
      const second = firstAllowed(schedule.seconds, secondFrom);
      if (second !== undefined) return { hour, minute, second };
    }
  }
  return undefined;
}

/** The host turns schedule monitoring off when a schedule fires more than once a minute. */
export function firesMoreThanOncePerMinute(schedule: NcrontabSchedule, from: Date): boolean {
  const first = nextOccurrence(schedule, from);
  if (first === undefined) return false;
  const second = nextOccurrence(schedule, first);
  return second !== undefined && second.getTime() < from.getTime() + 60_000;
}
