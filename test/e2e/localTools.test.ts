/** The small pieces of the local commands: shell quoting, the demo's tables, polling. */
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

import { EXAMPLE_PARTNER_BODY, shellQuote, signedCurlCommand } from "../../local/curlExample.js";
import { renderTable } from "../../local/demoFormat.js";
import { PollTimeoutError, pollUntil } from "../../local/poll.js";

const sh = (script: string) => promisify(execFile)("sh", ["-c", script]);

describe("the printed curl", () => {
  it.each(["plain-secret-value-1234", `it's a "secret" with $HOME and \`backticks\``])(
    "quotes any secret so the shell passes it through unchanged: %s",
    async (secret) => {
      expect((await sh(`printf '%s' ${shellQuote(secret)}`)).stdout).toBe(secret);
    },
  );

  it("computes the signature a service would compute, in the shell, at paste time", async () => {
    const secret = "a-secret-with-'quote'-0123456789";
    const command = signedCurlCommand({ baseUrl: "http://localhost:7071/api/", secret });
    expect(command).toContain("'http://localhost:7071/api/partners/contoso-csp'");
    // Everything before the curl, then print what it would send.
    const prelude = command.slice(0, command.indexOf("; curl "));
    const { stdout } = await sh(`${prelude}; printf '%s\\n%s\\n%s' "$TS" "$SIG" "$BODY"`);
    const [timestamp = "", signature, body] = stdout.split("\n");
    expect(body).toBe(EXAMPLE_PARTNER_BODY);
    expect(signature).toBe(createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex"));
  });
});

describe("renderTable", () => {
  it("pads every column to its widest cell, under a rule", () => {
    expect(
      renderTable(
        ["id", "status"],
        [
          ["a", "completed"],
          ["long-id", "-"],
        ],
      ),
    ).toEqual(["id       status", "-------  ---------", "a        completed", "long-id  -"]);
  });
});

describe("pollUntil", () => {
  it("prints each status it sees and returns the value that is done", async () => {
    const statuses = ["submitted", "submitted", "provisioning", "awaiting-term-end"];
    const lines: string[] = [];
    const result = await pollUntil({
      label: "migration m1",
      read: () => Promise.resolve(statuses.shift() ?? "never"),
      statusOf: (status) => status,
      done: (status) => status === "awaiting-term-end",
      out: (line) => lines.push(line),
      intervalMs: 1,
    });
    expect(result).toBe("awaiting-term-end");
    expect(lines.map((line) => line.replace(/ \(\d+\.\d s\)$/, ""))).toEqual([
      "   waiting for migration m1...",
      "     submitted",
      "     → provisioning",
      "     → awaiting-term-end",
    ]);
  });

  it("gives up with the last status it saw", async () => {
    await expect(
      pollUntil({
        label: "relationship r1",
        read: () => Promise.resolve("submitted"),
        statusOf: (status) => status,
        done: () => false,
        out: () => undefined,
        timeoutMs: 20,
        intervalMs: 5,
      }),
    ).rejects.toSatisfy((error) => error instanceof PollTimeoutError && error.lastStatus === "submitted");
  });
});
