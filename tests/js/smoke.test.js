import { describe, expect, it } from "vitest";
import { hashFor, parseHash } from "../../web/common/router.js";

describe("router", () => {
  it("parses", () => {
    expect(parseHash("#/a/b?x=1")).toEqual({ path: "/a/b", query: { x: "1" } });
    expect(hashFor("/a", { x: 1 })).toBe("#/a?x=1");
  });
});
