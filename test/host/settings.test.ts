import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLocalHost } from "../../local/host/index.js";
import {
  SettingsError,
  applySettings,
  parseLocalSettings,
  resolvePlaceholders,
} from "../../local/host/settings.js";
import { fixturesDir } from "./helpers.js";

describe("local.settings.json", () => {
  it("reads Values as strings and the local HTTP port", () => {
    expect(
      parseLocalSettings({
        IsEncrypted: false,
        Values: { A: "x", N: 42, B: true },
        Host: { LocalHttpPort: 7072, CORS: "*" },
        ConnectionStrings: {},
      }),
    ).toEqual({ values: { A: "x", N: "42", B: "true" }, localHttpPort: 7072 });
  });

  it("refuses an encrypted file and a malformed one, saying why", () => {
    expect(() => parseLocalSettings({ IsEncrypted: true, Values: {} })).toThrow(
      /encrypted .* cannot decrypt/,
    );
    expect(() => parseLocalSettings({ Values: { A: { nested: 1 } } })).toThrow(SettingsError);
    expect(() => parseLocalSettings({ Values: { A: { nested: 1 } } })).toThrow(/Values\.A/);
  });
});

describe("applying settings", () => {
  it("lets the real environment win over file values, applies overrides, and restores", () => {
    const env: NodeJS.ProcessEnv = { FROM_ENV: "env", SHARED: "env" };
    const restore = applySettings(
      env,
      { SHARED: "file", FROM_FILE: "file" },
      { FROM_OPTIONS: "options", FROM_ENV: "options" },
    );
    expect(env).toEqual({
      FROM_ENV: "options",
      SHARED: "env",
      FROM_FILE: "file",
      FROM_OPTIONS: "options",
    });
    restore();
    expect(env).toEqual({ FROM_ENV: "env", SHARED: "env" });
  });

  it("resolves %SETTING% placeholders and names a missing one", () => {
    const lookup = (name: string): string | undefined =>
      ({ QUEUE: "relationship-requests", ENV: "dev" })[name];
    expect(resolvePlaceholders("%QUEUE%", lookup, "queueName")).toBe("relationship-requests");
    expect(resolvePlaceholders("%ENV%-%QUEUE%", lookup, "queueName")).toBe("dev-relationship-requests");
    expect(resolvePlaceholders("plain", lookup, "queueName")).toBe("plain");
    expect(() => resolvePlaceholders("%MISSING%", lookup, "queueName")).toThrow(
      /queueName uses %MISSING%, but the app setting "MISSING" is not set/,
    );
  });
});

describe("settings in the running host", () => {
  let rootDir: string;
  const names = ["HOST_TEST_GREETING", "HOST_TEST_OVERRIDDEN", "HOST_TEST_NUMBER", "HOST_TEST_FROM_OPTIONS"];

  beforeEach(async () => {
    rootDir = await mkdtemp(path.join(tmpdir(), "host-settings-"));
    await writeFile(
      path.join(rootDir, "local.settings.json"),
      JSON.stringify({
        IsEncrypted: false,
        Values: {
          HOST_TEST_GREETING: "from local.settings.json",
          HOST_TEST_OVERRIDDEN: "from local.settings.json",
          HOST_TEST_NUMBER: 42,
        },
        Host: { LocalHttpPort: 0 },
      }),
    );
    process.env.HOST_TEST_OVERRIDDEN = "from the environment";
  });

  afterEach(async () => {
    for (const name of names) Reflect.deleteProperty(process.env, name);
    await rm(rootDir, { recursive: true, force: true });
  });

  it("gives functions local.settings.json values under the environment, and restores the environment on close", async () => {
    const host = await startLocalHost({
      rootDir,
      modules: [path.join(fixturesDir, "settingsApp", "settings.ts")],
      hostname: "127.0.0.1",
      log: "quiet",
      env: { HOST_TEST_FROM_OPTIONS: "from options" },
    });
    try {
      expect(host.port).toBeGreaterThan(0); // Host.LocalHttpPort 0 picked a free port
      const response = await fetch(`http://127.0.0.1:${host.port}/api/settings`);
      expect(await response.json()).toEqual({
        greeting: "from local.settings.json",
        overridden: "from the environment",
        number: "42",
        fromOptions: "from options",
      });
    } finally {
      await host.close();
    }
    expect(process.env.HOST_TEST_GREETING).toBeUndefined();
    expect(process.env.HOST_TEST_FROM_OPTIONS).toBeUndefined();
    expect(process.env.HOST_TEST_OVERRIDDEN).toBe("from the environment");
  });
});
