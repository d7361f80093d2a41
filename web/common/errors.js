// The errors a call to the API ends with: the API said no (ApiError), or no answer came (NetworkError).

/** An error answer of the API, with the fields of its problem+json document. */
export class ApiError extends Error {
  /**
   * @param {Record<string, any>} problem the problem+json document (status at least)
   * @param {Response | null} [response]
   */
  constructor(problem, response = null) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type ?? "about:blank";
    this.title = problem.title ?? "";
    this.detail = problem.detail ?? "";
    this.instance = problem.instance ?? null;
    this.requestId = problem.request_id ?? response?.headers.get("x-request-id") ?? null;
    /** @type {Array<{ field?: string, detail?: string } & Record<string, any>>} */
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    // OAuth 2.0 errors of the token endpoint keep their `error` member (invalid_grant...).
    this.oauthError = problem.error ?? null;
    const retryAfter = Number(response?.headers.get("retry-after"));
    this.retryAfter = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  }

  /** "validation-error" for type "/problems/validation-error"; null for about:blank. */
  get slug() {
    const match = /\/problems\/([a-z0-9-]+)$/.exec(this.type);
    return match ? match[1] : null;
  }

  /** The field problems as field name -> detail (for inline form errors). */
  fieldErrors() {
    return new Map(this.errors.filter((e) => e.field).map((e) => [e.field, e.detail]));
  }
}

/** The request did not reach the API or got no answer (offline, gateway down, timeout). */
export class NetworkError extends Error {
  /**
   * @param {string} message
   * @param {{ cause?: unknown, timeout?: boolean }} [options]
   */
  constructor(message, { cause, timeout = false } = {}) {
    super(message, { cause });
    this.name = "NetworkError";
    this.timeout = timeout;
    this.offline = typeof navigator !== "undefined" && navigator.onLine === false;
  }
}

/**
 * The problem document of an error answer (a made-up one when the body is not JSON).
 * @param {Response} response
 * @returns {Promise<Record<string, any>>}
 */
export async function problemFrom(response) {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = await response.json();
      if (body && typeof body === "object") return { status: response.status, ...body };
    } catch {
      /* not JSON after all */
    }
  }
  return { type: "about:blank", status: response.status, title: response.statusText || `HTTP ${response.status}` };
}
