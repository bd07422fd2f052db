import path from "node:path";
import { expect, it } from "vitest";
import { loadFunctionApp } from "../../local/host/index.js";
import { fixturesDir } from "./helpers.js";

// Its own file: asking for HTTP streaming marks the whole process, as it does in the library.
it("refuses an app that turns on HTTP streaming, saying what to change", async () => {
  await expect(
    loadFunctionApp({ rootDir: path.join(fixturesDir, "streamApp"), modules: ["index.ts"] }),
  ).rejects.toThrow(
    /app\.setup\(\{ enableHttpStream: true \}\); the local host serves HTTP functions in the default \(non-stream\) mode only/,
  );
});
