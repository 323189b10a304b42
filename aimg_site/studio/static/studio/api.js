/* The studio's API client: the envelope, the session id, errors and retries.
 *
 * Every call goes to the server that served the page (same origin) with the
 * session id in X-Session-ID. The id lives in localStorage, so it survives
 * reloads; a sign-in rotates it (the answer's X-Session-ID header and its
 * payload.sessionID carry the new one) and the client keeps the new id.
 */
"use strict";

(function () {
  const SESSION_KEY = "aimg.studio.sessionID";
  const ADMIN_KEY = "aimg.studio.adminKey";
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const listeners = new Set();

  class ApiError extends Error {
    constructor(message, { status = 0, code = null, retryAfter = null } = {}) {
      super(message);
      this.name = "ApiError";
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  function storedSession() {
    try {
      const value = window.localStorage.getItem(SESSION_KEY);
      return value && UUID.test(value) ? value : null;
    } catch (_) {
      return null;
    }
  }

  let session = storedSession();

  function setSession(value) {
    if (!value || !UUID.test(value) || value === session) return;
    session = value;
    try {
      window.localStorage.setItem(SESSION_KEY, value);
    } catch (_) {
      /* private mode: the id lasts as long as the page */
    }
    listeners.forEach((listener) => listener(value));
  }

  function clearSession() {
    session = null;
    try {
      window.localStorage.removeItem(SESSION_KEY);
    } catch (_) {
      /* nothing stored */
    }
  }

  function adminKey() {
    try {
      return window.sessionStorage.getItem(ADMIN_KEY) || "";
    } catch (_) {
      return "";
    }
  }

  function setAdminKey(value) {
    try {
      if (value) window.sessionStorage.setItem(ADMIN_KEY, value);
      else window.sessionStorage.removeItem(ADMIN_KEY);
    } catch (_) {
      /* storage refused */
    }
  }

  function retryAfterSeconds(response) {
    const header = response.headers.get("Retry-After");
    if (!header) return null;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const date = Date.parse(header);
    return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
  }

  function buildUrl(path, query) {
    const url = new URL(path, window.location.origin);
    Object.entries(query || {}).forEach(([name, value]) => {
      if (value === undefined || value === null || value === "") return;
      url.searchParams.set(name, Array.isArray(value) ? value.join(",") : String(value));
    });
    return url;
  }

  /* One request; resolves to {payload, metadata}, rejects with an ApiError whose message is the
   * envelope's errorMessage (or says what went wrong when there is no envelope). */
  async function call(method, path, { query, body, admin = false, withSession = true } = {}) {
    const headers = { Accept: "application/json" };
    if (withSession && session) headers["X-Session-ID"] = session;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (admin && adminKey()) headers["X-Administration-Key"] = adminKey();
    let response;
    try {
      response = await fetch(buildUrl(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      throw new ApiError(`The API could not be reached (${error.message}).`);
    }
    const rotated = response.headers.get("X-Session-ID");
    if (rotated) setSession(rotated);
    let envelope = null;
    try {
      envelope = await response.json();
    } catch (_) {
      envelope = null;
    }
    if (!envelope || typeof envelope !== "object" || !("hasError" in envelope)) {
      throw new ApiError(`The API answered ${response.status} ${response.statusText || ""} without a JSON envelope.`.replace(/ +/g, " "), {
        status: response.status,
        retryAfter: retryAfterSeconds(response),
      });
    }
    if (envelope.hasError || !response.ok) {
      throw new ApiError(envelope.errorMessage || `The request failed (HTTP ${response.status}).`, {
        status: response.status,
        code: envelope.errorCode ?? null,
        retryAfter: retryAfterSeconds(response),
      });
    }
    const payload = envelope.payload;
    if (payload && typeof payload === "object" && !Array.isArray(payload) && payload.sessionID) {
      setSession(payload.sessionID);
    }
    return { payload, metadata: envelope.metadata || null };
  }

  /* A session id the server knows: the stored one, else a new anonymous one from getSelfUser
   * (which makes one when the header is missing). Resolves to the SelfUser. */
  async function start() {
    if (session) {
      return (await call("GET", "/getSelfUser")).payload;
    }
    return (await call("GET", "/getSelfUser", { withSession: false })).payload;
  }

  /* Every page of a listing, following nextPaginationIndex (at most maxPages pages). */
  async function allPages(path, query, { maxPages = 20 } = {}) {
    const rows = [];
    let index = null;
    for (let page = 0; page < maxPages; page += 1) {
      const { payload, metadata } = await call("GET", path, { query: { ...query, paginationIndex: index } });
      rows.push(...(payload || []));
      index = metadata && metadata.nextPaginationIndex;
      if (!index) break;
    }
    return rows;
  }

  window.AimgApi = {
    ApiError,
    call,
    get: (path, query, options) => call("GET", path, { ...options, query }),
    post: (path, body, options) => call("POST", path, { ...options, body: body || {} }),
    del: (path, query, options) => call("DELETE", path, { ...options, query }),
    start,
    allPages,
    session: () => session,
    setSession,
    clearSession,
    onSession: (listener) => listeners.add(listener),
    adminKey,
    setAdminKey,
  };
})();
