import path from "node:path";
import { describe, expect, it } from "vitest";
import { FunctionAppLoadError, loadFunctionApp, startLocalHost } from "../../local/host/index.js";
import { expandBraces, globFiles } from "../../local/host/glob.js";
import { fixturesDir } from "./helpers.js";

const httpApp = path.join(fixturesDir, "httpApp");

describe("entry file globs", () => {
  it("expands braces and matches *, ? and ** from a root", async () => {
    expect(expandBraces("dist/{index.js,functions/*.js}")).toEqual(["dist/index.js", "dist/functions/*.js"]);
    expect(await globFiles(httpApp, "functions/*.ts")).toEqual([
      "functions/hooks.ts",
      "functions/partners.ts",
      "functions/responses.ts",
    ]);
    expect(await globFiles(fixturesDir, "**/?imers.ts")).toEqual(["timerApp/timers.ts"]);
    expect(await globFiles(fixturesDir, "{httpApp/functions/hooks,streamApp/index}.ts")).toEqual([
      "httpApp/functions/hooks.ts",
      "streamApp/index.ts",
    ]);
  });
});

describe("loading a function app", () => {
  it("follows package.json main (a glob) and captures every registration with its trigger", async () => {
    const app = await loadFunctionApp({ rootDir: httpApp });
    expect(app.files).toEqual(
      ["hooks.ts", "partners.ts", "responses.ts"].map((file) => path.join(httpApp, "functions", file)),
    );
    const getPartner = app.functions.find((registration) => registration.name === "getPartner");
    expect(getPartner).toMatchObject({
      triggerType: "httpTrigger",
      triggerBindingName: expect.stringMatching(/^httpTrigger[0-9a-f]{10}$/) as unknown,
      trigger: { route: "partners/{partnerId}", methods: ["GET"], direction: "in" },
    });
    expect(typeof getPartner?.callback).toBe("function");
    expect(app.functions.map((registration) => registration.name)).toContain("hooked");
  });

  it("loads explicit modules, and the same module again for a second app", async () => {
    const first = await loadFunctionApp({ rootDir: httpApp, modules: ["functions/partners.ts"] });
    const again = await loadFunctionApp({ rootDir: httpApp, main: "functions/partners.ts" });
    const names = (app: typeof first): string[] => app.functions.map((f) => f.name).sort();
    expect(names(first)).toEqual([
      "getPartner",
      "getSubscription",
      "hello",
      "items",
      "partnerSpecial",
      "putPartner",
    ]);
    expect(names(again)).toEqual(names(first));
  });

  it("says when main matches nothing, and when the entry files register nothing", async () => {
    const emptyApp = path.join(fixturesDir, "emptyApp");
    await expect(loadFunctionApp({ rootDir: emptyApp })).rejects.toThrow(
      /No files in .*emptyApp match the entry point "dist\/functions\/\*\.js" \(package\.json main\)/,
    );
    await expect(loadFunctionApp({ rootDir: emptyApp, modules: ["nothing.ts"] })).rejects.toThrow(
      FunctionAppLoadError,
    );
    await expect(loadFunctionApp({ rootDir: fixturesDir })).rejects.toThrow(/package\.json/);
  });

  it("refuses triggers and bindings the local host does not serve, listing every problem", async () => {
    const start = startLocalHost({
      rootDir: path.join(fixturesDir, "unsupportedApp"),
      modules: ["functions.ts"],
      port: 0,
      log: "quiet",
      localSettingsPath: false,
    });
    await expect(start).rejects.toThrow(
      /Function 'fromStorageQueue': trigger type 'queueTrigger' is not supported locally/,
    );
    await expect(start).rejects.toThrow(
      /Function 'withOutputBinding': its out binding 'serviceBus' is not supported locally/,
    );
    await expect(start).rejects.toThrow(/Function 'fromTopic': only Service Bus queue triggers/);
    await expect(start).rejects.toThrow(/Function 'batched': batched Service Bus triggers/);
  });
});
