/* Rapporteur: calls to the service's JSON API (v1/ask, v1/suggest, v1/documents…) from the search page.
 *
 * Paths are relative to the page (document.baseURI), so the page keeps working when the service is mounted
 * under a root path. Every failure becomes an ApiError whose `kind` says what went wrong ("network",
 * "timeout", "http", "invalid"), with the HTTP status, the Retry-After delay and the API's `detail`.
 */

export const REQUEST_TIMEOUT_MS = 20000;

export function ApiError(kind, status, message, retryAfter, detail) {
  this.kind = kind; // "network" | "timeout" | "http" | "invalid"
  this.status = status || 0;
  this.message = message || "";
  this.retryAfter = retryAfter;
  this.detail = detail;
}

function serviceUrl(path) {
  return new URL(path, document.baseURI).toString();
}

/** Seconds to wait from a Retry-After header (a number of seconds or an HTTP date), or null. */
export function parseRetryAfter(value) {
  if (!value) return null;
  value = value.trim();
  if (/^\d+$/.test(value)) return Number(value);
  var when = Date.parse(value);
  if (!isNaN(when)) return Math.max(0, Math.ceil((when - Date.now()) / 1000));
  return null;
}

function errorDetail(body) {
  if (!body) return null;
  var detail = body.detail !== undefined ? body.detail : body.message || body.error;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail) && detail.length && detail[0] && typeof detail[0].msg === "string") {
    return detail[0].msg;
  }
  return null;
}

/** The JSON body of `path` (relative to the page); rejects with an ApiError, or the AbortError of `signal`. */
export function fetchJson(path, options, signal) {
  var controller = new AbortController();
  var timedOut = false;
  var timer = window.setTimeout(function () {
    timedOut = true;
    controller.abort();
  }, REQUEST_TIMEOUT_MS);
  if (signal) {
    if (signal.aborted) controller.abort();
    else
      signal.addEventListener("abort", function () {
        controller.abort();
      });
  }
  var init = Object.assign({ headers: { Accept: "application/json" } }, options || {});
  init.signal = controller.signal;
  init.credentials = "same-origin";
  return window
    .fetch(serviceUrl(path), init)
    .then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            if (!response.ok) {
              throw new ApiError(
                "http",
                response.status,
                "",
                parseRetryAfter(response.headers.get("Retry-After")),
                errorDetail(body)
              );
            }
            if (body === null) throw new ApiError("invalid", response.status);
            return body;
          });
      },
      function (err) {
        if (signal && signal.aborted) throw err;
        throw new ApiError(timedOut ? "timeout" : "network");
      }
    )
    .finally(function () {
      window.clearTimeout(timer);
    });
}

export function isAbort(err) {
  return err && err.name === "AbortError";
}

/**
 * The latest request of one view, and its result: starting a request aborts the previous one, and only
 * the latest may render (`isLatest`). `data` holds its result for `key`, so that coming back to the same
 * view does not ask again; `forget()` drops the key after a failure, so that the next visit retries.
 */
export function LatestRequest() {
  this.seq = 0;
  this.controller = null;
  this.key = null;
  this.data = null;
}

/** The result kept for `key`, or null. */
LatestRequest.prototype.cached = function (key) {
  return key === this.key && this.data ? this.data : null;
};

/** Start the request for `key`: { signal, isLatest() }. */
LatestRequest.prototype.start = function (key) {
  if (this.controller) this.controller.abort();
  this.controller = new AbortController();
  this.key = key;
  this.data = null;
  var seq = ++this.seq;
  var self = this;
  return {
    signal: this.controller.signal,
    isLatest: function () {
      return seq === self.seq;
    },
  };
};

LatestRequest.prototype.forget = function () {
  this.key = null;
};
