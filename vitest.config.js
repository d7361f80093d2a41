// Unit tests of the pages' pure modules (tests/js/): `./dev test-js`, run by `./dev test` and CI.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/js/**/*.test.js"],
    // Pure modules run on Node.js (URL, fetch, AbortSignal are there); a test file that needs a
    // page (location, DOM nodes) says `// @vitest-environment jsdom` on its first line.
    environment: "node",
    environmentOptions: { jsdom: { url: "http://gare.test/console/" } },
    restoreMocks: true,
  },
});
