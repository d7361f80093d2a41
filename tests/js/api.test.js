import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api, ApiError, NetworkError } from "../../web/common/api.js";

/** fetch answering from `handler(request)`; every request is kept. */
function serve(handler) {
  const requests = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url, init) => {
      const request = new Request(url, init);
      requests.push(request);
      return handler(request);
    }),
  );
  return requests;
}

const json = (body, init = {}) => new Response(JSON.stringify(body), { ...init, headers: { "Content-Type": "application/json", ...init.headers } });
const problem = (status, body, headers = {}) => new Response(JSON.stringify({ status, ...body }), { status, headers: { "Content-Type": "application/problem+json", ...headers } });

afterEach(() => vi.unstubAllGlobals());

describe("calls", () => {
  it("sends the query, a request id and JSON, and reads JSON back", async () => {
    const requests = serve(async (request) => json({ echo: await request.json() }, { status: 201 }));
    const api = new Api({ base: "http://gare.test" });
    const answer = await api.post("/things", { a: 1 }, { query: { tag: ["x", "y"], empty: "", none: null, n: 0 } });
    expect(answer).toEqual({ echo: { a: 1 } });
    const [request] = requests;
    expect(request.method).toBe("POST");
    expect(new URL(request.url).search).toBe("?tag=x&tag=y&n=0");
    expect(request.headers.get("Content-Type")).toBe("application/json");
    expect(request.headers.get("X-Request-ID")).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(request.headers.get("Authorization")).toBeNull();
  });

  it("gives null for 204 and text for a body that is not JSON", async () => {
    serve(async (request) => (request.method === "DELETE" ? new Response(null, { status: 204 }) : new Response("plain", { headers: { "Content-Type": "text/plain" } })));
    const api = new Api({ base: "http://gare.test" });
    expect(await api.delete("/x")).toBeNull();
    expect(await api.get("/y")).toBe("plain");
  });

  it("turns a problem+json answer into an ApiError with its fields", async () => {
    serve(async () =>
      problem(422, { type: "/problems/validation-error", title: "Invalid input", detail: "bad", errors: [{ field: "body.name", detail: "required" }], request_id: "r-1" }, { "Retry-After": "3" }),
    );
    const error = await new Api({ base: "http://gare.test" }).get("/x").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, slug: "validation-error", title: "Invalid input", detail: "bad", requestId: "r-1", retryAfter: 3 });
    expect(error.fieldErrors().get("body.name")).toBe("required");
  });

  it("names a network failure, and lets a cancellation through as it is", async () => {
    serve(async () => {
      throw new TypeError("Failed to fetch");
    });
    const api = new Api({ base: "http://gare.test" });
    const failed = await api.get("/x").catch((e) => e);
    expect(failed).toBeInstanceOf(NetworkError);
    expect(failed.timeout).toBe(false);
    const controller = new AbortController();
    controller.abort();
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new DOMException("aborted", "AbortError"))));
    const cancelled = await api.get("/x", { signal: controller.signal }).catch((e) => e);
    expect(cancelled.name).toBe("AbortError");
  });
});

describe("sign-in", () => {
  let session;
  beforeEach(() => {
    session = {
      token: "old",
      accessToken: vi.fn(async () => session.token),
      refreshAfterRejection: vi.fn(async () => {
        session.token = "new";
        return "new";
      }),
      reauthenticate: vi.fn(async () => null),
    };
  });

  it("sends the token, and on a 401 refreshes once and tries again", async () => {
    const requests = serve(async (request) => (request.headers.get("Authorization") === "Bearer new" ? json({ ok: true }) : problem(401, { title: "Expired" })));
    const answer = await new Api({ base: "http://gare.test", session }).get("/mine");
    expect(answer).toEqual({ ok: true });
    expect(requests.map((r) => r.headers.get("Authorization"))).toEqual(["Bearer old", "Bearer new"]);
    expect(session.refreshAfterRejection).toHaveBeenCalledWith("old");
  });

  it("asks for a sign-in when one is required and there is none", async () => {
    session.token = null;
    const requests = serve(async () => json({}));
    const error = await new Api({ base: "http://gare.test", session }).get("/mine", { auth: "required" }).catch((e) => e);
    expect(session.reauthenticate).toHaveBeenCalled();
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(requests).toHaveLength(0);
  });

  it("sends no token on a public read, signed in or not", async () => {
    const requests = serve(async () => json({}));
    await new Api({ base: "http://gare.test", session }).get("/public", { auth: "none" });
    expect(requests[0].headers.get("Authorization")).toBeNull();
    expect(session.accessToken).not.toHaveBeenCalled();
  });
});

describe("conditional reads", () => {
  it("revalidates with the ETag and keeps the body on a 304", async () => {
    const requests = serve(async (request) => (request.headers.get("If-None-Match") === '"v1"' ? new Response(null, { status: 304 }) : json({ n: 1 }, { headers: { ETag: '"v1"' } })));
    const api = new Api({ base: "http://gare.test" });
    expect(await api.conditionalGet("/hot", { query: { limit: 200 } })).toEqual({ changed: true, data: { n: 1 }, etag: '"v1"' });
    expect(await api.conditionalGet("/hot", { query: { limit: 200 } })).toEqual({ changed: false, data: { n: 1 }, etag: '"v1"' });
    expect(requests[1].headers.get("If-None-Match")).toBe('"v1"');
    // Another query is another read: no ETag sent for it.
    await api.conditionalGet("/hot", { query: { limit: 10 } });
    expect(requests[2].headers.get("If-None-Match")).toBeNull();
  });
});
