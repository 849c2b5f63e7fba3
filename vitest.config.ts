import { defineConfig } from "vitest/config";

// The JSON report is what .ci/run reads for its "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
  },
});
