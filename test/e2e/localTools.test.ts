/** The small pieces of the local commands: shell quoting, the demo's tables, polling. */
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

import { EXAMPLE_PARTNER_BODY, shellQuote, signedCurlCommand } from "../../local/curlExample.js";
import { renderTable } from "../../local/demoFormat.js";
import { PollTimeoutError, pollUntil } from "../../local/poll.js";
import { verifySignature } from "../../shared/auth/signing.js";

const sh = (script: string) => promisify(execFile)("sh", ["-c", script]);

describe("the printed curl", () => {
  it.each(["plain-secret-value-1234", `it's a "secret" with $HOME and \`backticks\``])(
    "quotes any secret so the shell passes it through unchanged: %s",
    async (secret) => {
      expect((await sh(`printf '%s' ${shellQuote(secret)}`)).stdout).toBe(secret);
    },
  );

  /** Runs everything before the curl and prints what it would send. */
  async function pasted(command: string) {
    const prelude = command.slice(0, command.indexOf("; curl "));
    const { stdout } = await sh(
      `${prelude}; printf '%s\\n%s\\n%s\\n%s\\n%s' "$KEY_ID" "$TS" "$SIG" "$IDEM" "$BODY"`,
    );
    const [keyId = "", timestamp = "", signature = "", idempotencyKey = "", ...body] = stdout.split("\n");
    return { keyId, timestamp, signature, idempotencyKey, body: body.join("\n") };
  }

  /** What the service checks: the signature over "<ts>\n<METHOD>\n<path and query>\n<Idempotency-Key>\n<body>". */
  function verified(
    secret: string,
    sent: Awaited<ReturnType<typeof pasted>>,
    method: string,
    pathAndQuery: string,
  ) {
    return verifySignature({
      timestamp: sent.timestamp,
      signature: `sha256=${sent.signature}`,
      parts: { method, pathAndQuery, idempotencyKey: sent.idempotencyKey, body: sent.body },
      secret,
      now: new Date(Number(sent.timestamp) * 1000),
    });
  }

  it("computes the signature a service would compute, in the shell, at paste time", async () => {
    const secret = "a-secret-with-'quote'-0123456789";
    const command = signedCurlCommand({
      baseUrl: "http://localhost:7071/api/",
      keyId: "local-operator",
      secret,
      method: "PUT",
      path: "partners/contoso-csp",
      body: EXAMPLE_PARTNER_BODY,
    });
    expect(command).toContain("'http://localhost:7071/api/partners/contoso-csp'");
    expect(command).not.toContain("Idempotency-Key");
    const sent = await pasted(command);
    expect(sent.keyId).toBe("local-operator");
    expect(sent.body).toBe(EXAMPLE_PARTNER_BODY);
    expect(sent.idempotencyKey).toBe("");
    expect(Math.abs(Number(sent.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(verified(secret, sent, "PUT", "/api/partners/contoso-csp")).toEqual({ ok: true });
    // The same as the documented signing string, HMAC-SHA256 under the secret.
    expect(sent.signature).toBe(
      createHmac("sha256", secret)
        .update(`${sent.timestamp}\nPUT\n/api/partners/contoso-csp\n\n${EXAMPLE_PARTNER_BODY}`)
        .digest("hex"),
    );
  });

  it("signs a POST's Idempotency-Key too: a fresh one made by the shell, or the one given", async () => {
    const secret = "another-secret-0123456789abcdefghij";
    const base = {
      baseUrl: "http://localhost:7071/api/",
      keyId: "local-operator",
      secret,
      method: "POST" as const,
      path: "admin/partners/contoso-csp/keys",
    };
    const fresh = await pasted(signedCurlCommand(base));
    expect(fresh.idempotencyKey).toMatch(/^key-\d+$/);
    expect(fresh.body).toBe("");
    expect(verified(secret, fresh, "POST", "/api/admin/partners/contoso-csp/keys")).toEqual({ ok: true });

    const command = signedCurlCommand({ ...base, idempotencyKey: "issue-contoso's-key" });
    expect(command).toContain('-H "Idempotency-Key: $IDEM"');
    const given = await pasted(command);
    expect(given.idempotencyKey).toBe("issue-contoso's-key");
    expect(verified(secret, given, "POST", "/api/admin/partners/contoso-csp/keys")).toEqual({ ok: true });
    // Another path, key or method does not verify: the signature binds the whole request.
    expect(verified(secret, given, "POST", "/api/admin/partners/other-csp/keys")).toMatchObject({
      ok: false,
    });
    expect(
      verified(secret, { ...given, idempotencyKey: "other" }, "POST", "/api/admin/partners/contoso-csp/keys"),
    ).toMatchObject({ ok: false });
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
