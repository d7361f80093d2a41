import { describe, expect, it } from "vitest";
import { EventStreamParser } from "../../web/common/sse.js";

describe("the event stream parser", () => {
  it("gives complete events, with their type, id and multi-line data", () => {
    const parser = new EventStreamParser();
    const events = parser.push('event: availability\nid: 7\ndata: {"a":\ndata: 1}\n\n: keep-alive\n\ndata: plain\n\n');
    expect(events).toEqual([
      { type: "availability", data: '{"a":\n1}', id: "7" },
      { type: "message", data: "plain", id: "7" },
    ]);
  });

  it("holds a partial event until its end arrives, across chunks and a split CRLF", () => {
    const parser = new EventStreamParser();
    expect(parser.push("data: one\r")).toEqual([]);
    expect(parser.push("\ndata: two\r\n")).toEqual([]);
    expect(parser.push("\r\n")).toEqual([{ type: "message", data: "one\ntwo", id: "" }]);
  });

  it("reads retry when it is a number, and ignores an id holding NUL", () => {
    const parser = new EventStreamParser();
    parser.push("retry: 2500\nid: a\0b\n\n");
    expect(parser.retry).toBe(2500);
    expect(parser.lastEventId).toBe("");
    parser.push("retry: soon\n");
    expect(parser.retry).toBe(2500);
  });

  it("dispatches nothing for an event without data, but keeps its id", () => {
    const parser = new EventStreamParser();
    expect(parser.push("id: 42\nevent: ping\n\n")).toEqual([]);
    expect(parser.lastEventId).toBe("42");
    expect(parser.push("data: x\n\n")).toEqual([{ type: "message", data: "x", id: "42" }]);
  });
});
