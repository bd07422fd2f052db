import path from "node:path";
import type { HostLogEntry, HostLogger } from "../../local/host/index.js";

export const fixturesDir = path.join(import.meta.dirname, "fixtures");

/** A logger that keeps entries for assertions instead of printing them. */
export function collectingLogger(): { log: HostLogger; entries: HostLogEntry[] } {
  const entries: HostLogEntry[] = [];
  return { log: (entry) => entries.push(entry), entries };
}

/** The invocation summary entries for one function. */
export function invocationsOf(
  entries: readonly HostLogEntry[],
  functionName: string,
): Extract<HostLogEntry, { kind: "invocation" }>[] {
  return entries.filter(
    (entry): entry is Extract<HostLogEntry, { kind: "invocation" }> =>
      entry.kind === "invocation" && entry.functionName === functionName,
  );
}
