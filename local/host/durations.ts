/**
 * host.json writes durations as .NET TimeSpan strings: `hh:mm:ss`, `hh:mm:ss.fffffff`,
 * `d.hh:mm:ss`, or `hh:mm`.
 */
const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/;

/** Milliseconds in a TimeSpan string, or undefined when the text is not one. */
export function parseTimeSpanMs(text: string): number | undefined {
  const match = TIME_SPAN.exec(text.trim());
  if (match === null) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  const h = Number(hours);
  const m = Number(minutes);
  const s = Number(seconds ?? "0");
  if (h > 23 || m > 59 || s > 59) return undefined;
  const fractionMs = fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
  return (((Number(days ?? "0") * 24 + h) * 60 + m) * 60 + s) * 1000 + Math.round(fractionMs);
}
