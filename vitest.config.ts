import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One in-memory Azurite Table service for the run; tests read its connection string with inject().
    globalSetup: ["test/setup/azurite.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["shared/**/*.ts", "functions/**/*.ts", "local/**/*.ts"],
      reporter: ["text-summary"],
      thresholds: {
        "shared/domain/**": { lines: 95 },
      },
    },
  },
});
