// ESLint (flat config): typescript-eslint everywhere, React hooks and Next's rules for the panel,
// and the import rules that hold the folders' shape (docs/architecture.md says who may import what).
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Unit tests live beside the code they test; the integration harness is test/. */
const UNIT_TESTS = ["{app,components,lib,server,sim}/**/*.test.{ts,tsx}"];

export default defineConfig(
  globalIgnores([".next/", "next-env.d.ts", "bench/results/", "firmware/", "data/", "scratch/", "test-results/", "playwright-report/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `catch {} // why`: the house's way to say a failure changes nothing (no storage, no vibration).
      "no-empty": ["error", { allowEmptyCatch: true }],
      // `_name` marks an argument or binding kept on purpose (a callback's shape, a rest sibling).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["components/**/*.{ts,tsx}", "app/**/*.{ts,tsx}"],
    extends: [reactHooks.configs.flat.recommended, nextPlugin.configs["core-web-vitals"]],
    settings: { next: { rootDir: "." } },
  },
  {
    // The harness reads whatever JSON a server answers and fakes Node's callback APIs.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.{js,mjs}"],
    languageOptions: { globals: globals.node },
  },
  {
    // The service worker is served as is from /sw.js: plain JavaScript in the worker's scope.
    files: ["public/sw.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.serviceworker } },
  },

  // Who may import whom. Paths are resolved (not matched as text), so `../../server/x` and
  // `import type` count the same as any other import.
  {
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".mjs", ".json"] })],
    },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          basePath: import.meta.dirname, // not the working directory: the zones hold wherever eslint runs from
          zones: [
            {
              target: ["./app", "./components"],
              from: "./server",
              message: "The panel never imports the server: share it through lib/.",
            },
            {
              target: "./server",
              from: "./components",
              message: "The server never imports the panel: share it through lib/.",
            },
            {
              target: "./lib/**/!(*.test).{ts,tsx}",
              from: ".",
              except: ["./lib", "./node_modules/zod"],
              message: "lib/ is the shared kernel: it imports only lib/, zod and Node's builtins.",
            },
            {
              target: "./lib/**/*.test.{ts,tsx}",
              from: ".",
              except: ["./lib", "./node_modules/zod", "./node_modules/vitest"],
              message: "lib/'s tests import only lib/, zod, vitest and Node's builtins.",
            },
            {
              target: UNIT_TESTS,
              from: "./test",
              message: "A unit test beside the code never imports the integration harness (test/).",
            },
          ],
        },
      ],
    },
  },
);
