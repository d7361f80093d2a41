// Unit tests of the pages' pure modules (tests/js/): `./dev test-js`, run by `./dev test` and CI.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/js/**/*.test.js"],
    // The modules are written for browsers: location, URL, fetch, AbortSignal, DOM nodes.
    environment: "jsdom",
    environmentOptions: { jsdom: { url: "http://gare.test/console/" } },
    restoreMocks: true,
  },
});
