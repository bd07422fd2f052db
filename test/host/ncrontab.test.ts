import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NcrontabError, nextOccurrence, parseNcrontab } from "../../local/host/index.js";

const utc = (iso: string): Date => new Date(`${iso}Z`);
const next = (expression: string, after: string): string | undefined =>
  nextOccurrence(parseNcrontab(expression), utc(after), "utc")?.toISOString();

describe("parsing", () => {
  it("refuses anything but six fields, with a hint for five-field cron", () => {
    expect(() => parseNcrontab("0 2 * * *")).toThrow(
      /needs 6 fields .* found 5\. Five-field cron \(minutes first\) is not NCRONTAB: add the seconds field in front, e\.g\. '0 0 2 \* \* \*'/,
    );
    expect(() => parseNcrontab("0 0 0 2 * * 2030")).toThrow(NcrontabError);
    expect(() => parseNcrontab("")).toThrow(/found 0/);
  });

  it("refuses values out of range and syntax NCrontab does not know", () => {
    for (const bad of [
      "60 * * * * *",
      "* 60 * * * *",
      "* * 24 * * *",
      "* * * 0 * *",
      "* * * 32 * *",
      "* * * * 13 *",
      "* * * * * 7",
      "* * * L * *",
      "* * * * * 1#2",
      "* * * ? * *",
      "*/0 * * * * *",
      "1,,2 * * * * *",
      "* * * * Smarch *",
    ]) {
      expect(() => parseNcrontab(bad), bad).toThrow(NcrontabError);
    }
  });

  it("reads lists, ranges, steps, open steps, names and reversed ranges", () => {
    const schedule = parseNcrontab("0,30 */15 9-17/4 1 jan-MAR Mon,fri");
    const set = (values: readonly boolean[]): number[] => values.flatMap((on, index) => (on ? [index] : []));
    expect(set(schedule.seconds)).toEqual([0, 30]);
    expect(set(schedule.minutes)).toEqual([0, 15, 30, 45]);
    expect(set(schedule.hours)).toEqual([9, 13, 17]);
    expect(set(schedule.months)).toEqual([1, 2, 3]);
    expect(set(schedule.daysOfWeek)).toEqual([1, 5]);
    expect(set(parseNcrontab("50/5 * * * * *").seconds)).toEqual([50, 55]);
    expect(set(parseNcrontab("* * * * * 5-1").daysOfWeek)).toEqual([1, 2, 3, 4, 5]);
    expect(set(parseNcrontab("* * * * * S").daysOfWeek)).toEqual([0]);
  });
});

describe("next occurrence", () => {
  it("counts seconds first and is strictly after the base time", () => {
    expect(next("*/10 * * * * *", "2024-05-01T10:00:00.000")).toBe("2024-05-01T10:00:10.000Z");
    expect(next("*/10 * * * * *", "2024-05-01T10:00:09.999")).toBe("2024-05-01T10:00:10.000Z");
    expect(next("0 0 2 * * *", "2024-05-01T02:00:00.000")).toBe("2024-05-02T02:00:00.000Z");
    expect(next("0 0 2 * * *", "2024-05-01T01:59:59.000")).toBe("2024-05-01T02:00:00.000Z");
  });

  it("requires day of month AND day of week to match, as NCrontab does", () => {
    // The 13th that is a Friday: 2024-09-13, then 2024-12-13.
    expect(next("0 0 0 13 * 5", "2024-05-01T00:00:00")).toBe("2024-09-13T00:00:00.000Z");
    expect(next("0 0 0 13 * 5", "2024-09-13T00:00:00")).toBe("2024-12-13T00:00:00.000Z");
    // A restricted day of week alone, and a restricted day alone.
    expect(next("0 0 12 * * 1", "2024-05-01T00:00:00")).toBe("2024-05-06T12:00:00.000Z");
    expect(next("0 0 12 5 * *", "2024-05-01T00:00:00")).toBe("2024-05-05T12:00:00.000Z");
  });

  it("skips months too short for the day, and finds leap days", () => {
    expect(next("0 0 0 31 * *", "2024-04-01T00:00:00")).toBe("2024-05-31T00:00:00.000Z");
    expect(next("0 0 0 29 2 *", "2024-03-01T00:00:00")).toBe("2028-02-29T00:00:00.000Z");
  });

  it("reports a schedule that never fires", () => {
    expect(next("0 0 0 30 2 *", "2024-01-01T00:00:00")).toBeUndefined();
  });

  it("agrees with croner in day-of-month AND day-of-week mode on the syntax both read", () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant("*"),
        fc.integer({ min, max }).map(String),
        fc.integer({ min: 1, max: max - min + 1 }).map((step) => `*/${step}`),
        fc
          .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: 5 }))
          .filter(([a, b]) => a <= b)
          .map(([a, b, step]) => `${a}-${b}/${step}`),
        fc
          .uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 })
          .map((values) => values.join(",")),
      );
    const expression = fc
      .tuple(field(0, 59), field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6))
      .map((fields) => fields.join(" "));
    const base = fc.date({
      min: new Date("2000-01-01T00:00:00Z"),
      max: new Date("2090-01-01T00:00:00Z"),
      noInvalidDate: true,
    });

    fc.assert(
      fc.property(expression, base, (text, after) => {
        const ours = nextOccurrence(parseNcrontab(text), after, "utc");
        const theirs = new Cron(text, { mode: "6-part", domAndDow: true, timezone: "Etc/UTC" }).nextRun(
          after,
        );
        expect(ours?.toISOString(), text).toBe(theirs?.toISOString());
      }),
      { numRuns: 300 },
    );
  });
});
