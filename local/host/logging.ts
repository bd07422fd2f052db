/**
 * What the host reports: one entry per finished invocation, the functions' own log lines (with
 * their invocation id), and host messages. A logger is a function of an entry, so tests can keep
 * quiet or collect entries.
 */
import type { RpcLogLevel } from "./coreTypes.js";

export type InvocationOutcome = "Succeeded" | "Failed";

export type HostLogEntry =
  | {
      readonly kind: "invocation";
      readonly functionName: string;
      readonly invocationId: string;
      readonly durationMs: number;
      readonly outcome: InvocationOutcome;
      readonly error?: string;
    }
  | {
      readonly kind: "function";
      readonly level: RpcLogLevel;
      readonly category: "user" | "system";
      readonly functionName: string;
      readonly invocationId: string;
      readonly message: string;
    }
  | { readonly kind: "host"; readonly level: RpcLogLevel; readonly message: string };

export type HostLogger = (entry: HostLogEntry) => void;

const LEVEL_RANK: Record<RpcLogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

export function formatLogEntry(entry: HostLogEntry): string {
  switch (entry.kind) {
    case "invocation": {
      const summary = `Executed 'Functions.${entry.functionName}' (${entry.outcome}, Id=${entry.invocationId}, Duration=${Math.round(entry.durationMs)}ms)`;
      return entry.error === undefined ? summary : `${summary} ${entry.error}`;
    }
    case "function":
      return `[${entry.invocationId}] ${entry.functionName}${levelTag(entry.level)}: ${entry.message}`;
    case "host":
      return `${levelTag(entry.level).trim()} ${entry.message}`.trim();
  }
}

function levelTag(level: RpcLogLevel): string {
  return level === "warning" || level === "error" || level === "critical" ? ` [${level}]` : "";
}

export interface ConsoleLoggerOptions {
  /** Entries below this level are dropped; invocation summaries are always written. */
  readonly minLevel?: RpcLogLevel;
  readonly write?: (line: string, isError: boolean) => void;
}

/** Writes entries as lines: errors and warnings to stderr, the rest to stdout. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): HostLogger {
  const minRank = LEVEL_RANK[options.minLevel ?? "information"];
  const write =
    options.write ??
    ((line: string, isError: boolean) => {
      (isError ? process.stderr : process.stdout).write(`${line}\n`);
    });
  return (entry) => {
    if (entry.kind === "invocation") {
      write(formatLogEntry(entry), entry.outcome === "Failed");
      return;
    }
    if (LEVEL_RANK[entry.level] < minRank) return;
    write(formatLogEntry(entry), LEVEL_RANK[entry.level] >= LEVEL_RANK.warning);
  };
}

export const quietLogger: HostLogger = () => undefined;
