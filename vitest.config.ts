import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["server/**/*.test.ts", "lib/**/*.test.ts", "components/**/*.test.{ts,tsx}", "test/**/*.test.ts", "sim/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
