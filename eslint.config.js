// ESLint (flat config) over the station's web pages and their unit tests: `./dev lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "var/", "gateway/static/", "tests/browser/vendor/"] },
  js.configs.recommended,
  {
    files: ["web/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.browser } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": ["error", { destructuring: "all", ignoreReadBeforeAssign: true }],
      "no-implicit-globals": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-restricted-properties": [
        "error",
        // The pages' Content Security Policy and dom.js's h(): data never goes through HTML.
        { property: "innerHTML", message: "Build nodes with h() (web/common/dom.js)." },
        { property: "outerHTML", message: "Build nodes with h() (web/common/dom.js)." },
        { property: "insertAdjacentHTML", message: "Build nodes with h() (web/common/dom.js)." },
      ],
    },
  },
  {
    files: ["web/player/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ["tests/js/**/*.js", "*.config.js", "web/tools/**/*.mjs"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
];
