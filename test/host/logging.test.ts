import { describe, expect, it } from "vitest";
import { consoleLogger, formatLogEntry } from "../../local/host/index.js";

describe("log lines", () => {
  it("writes one summary per invocation with name, id, duration and outcome", () => {
    expect(
      formatLogEntry({
        kind: "invocation",
        functionName: "putPartner",
        invocationId: "3f2c",
        durationMs: 12.4,
        outcome: "Succeeded",
      }),
    ).toBe("Executed 'Functions.putPartner' (Succeeded, Id=3f2c, Duration=12ms)");
    expect(
      formatLogEntry({
        kind: "invocation",
        functionName: "processWork",
        invocationId: "9a1b",
        durationMs: 3,
        outcome: "Failed",
        error: "Error: poison message",
      }),
    ).toBe("Executed 'Functions.processWork' (Failed, Id=9a1b, Duration=3ms) Error: poison message");
  });

  it("prefixes a function's own lines with its invocation id", () => {
    expect(
      formatLogEntry({
        kind: "function",
        level: "warning",
        category: "user",
        functionName: "logs",
        invocationId: "3f2c",
        message: "careful",
      }),
    ).toBe("[3f2c] logs [warning]: careful");
  });

  it("filters by level, sends warnings and failures to stderr, and always writes summaries", () => {
    const lines: [string, boolean][] = [];
    const log = consoleLogger({
      minLevel: "warning",
      write: (line, isError) => lines.push([line, isError]),
    });
    log({ kind: "host", level: "information", message: "dropped" });
    log({ kind: "host", level: "error", message: "kept" });
    log({
      kind: "invocation",
      functionName: "f",
      invocationId: "1",
      durationMs: 1,
      outcome: "Failed",
      error: "Error: x",
    });
    log({ kind: "invocation", functionName: "f", invocationId: "2", durationMs: 1, outcome: "Succeeded" });
    expect(lines).toEqual([
      ["[error] kept", true],
      ["Executed 'Functions.f' (Failed, Id=1, Duration=1ms) Error: x", true],
      ["Executed 'Functions.f' (Succeeded, Id=2, Duration=1ms)", false],
    ]);
  });
});
