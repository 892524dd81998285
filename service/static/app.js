/* Rapporteur: the search page.
 *
 * Plain JavaScript, no build step. Every piece of text that comes from the corpus or the API is inserted
 * with textContent / createTextNode (never innerHTML), so a document holding "<script>" shows the
 * characters and runs nothing. The page is served with a CSP forbidding inline scripts and styles.
 */
(function () {
  "use strict";

  var MAX_QUERY = 500;
  var PASSAGES = 10;
  var NO_CLEAR_ANSWER_MESSAGE = "Aucune phrase ne répond clairement ; voici les passages les plus proches.";
  // Titles of the no-answer box, by the reason the API gives (`no_answer.reason`).
  var NO_ANSWER_TITLES = {
    no_question: "Pas de question à rechercher",
    territory_not_covered: "Territoire non couvert par les rapports",
    period_not_covered: "Période non couverte par les rapports",
    no_clear_answer: "Les rapports ne répondent pas clairement",
  };
  var SUGGEST_DELAY_MS = 180;
  var SUGGEST_MIN_CHARS = 2;
  var REQUEST_TIMEOUT_MS = 20000;
  var FILTERS = ["organisation", "year", "kind"];
  var FILTER_ALL = { organisation: "Toutes", year: "Toutes", kind: "Tous" };
  var FILTER_NAMES = { organisation: "organisation", year: "année", kind: "type" };

  function $(id) {
    return document.getElementById(id);
  }

  var els = {
    form: $("search-form"),
    input: $("q"),
    listbox: $("suggestions"),
    status: $("status"),
    suggestStatus: $("suggest-status"),
    error: $("error"),
    intro: $("intro"),
    results: $("resultats"),
    resultsHeading: $("results-heading"),
    activeFilters: $("active-filters"),
    answer: $("answer"),
    passagesHeading: $("passages-heading"),
    passages: $("passages"),
    clearFilters: $("clear-filters"),
    filtersPanel: $("filters-panel"),
    filtersCount: $("filters-count"),
    docView: $("document-view"),
    docTitle: $("doc-title"),
    docMeta: $("doc-meta"),
    docSpanMeta: $("doc-span-meta"),
    docBody: $("doc-body"),
    docToggle: $("doc-toggle"),
    docCopy: $("doc-copy"),
    backLink: $("back-link"),
    homeLink: $("home-link"),
    selects: {
      organisation: $("f-organisation"),
      year: $("f-year"),
      kind: $("f-kind"),
    },
  };

  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  /** Build an element; children are nodes or strings (strings become text nodes, never HTML). */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "class") node.className = value;
        else if (name === "text") node.textContent = value;
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function api(path) {
    return new URL(path, document.baseURI).toString();
  }

  /** Trim, drop control characters and collapse blanks, as the API does. */
  function cleanQuery(value) {
    return String(value || "")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  }

  /** Single line breaks (hard-wrapped text) shown as spaces; same length, so offsets still hold. */
  function displayText(text) {
    return String(text || "").replace(/(^|[^\n])\n(?!\n)/g, "$1 ");
  }

  function oneLine(text) {
    return String(text || "").replace(/\s+/g, " ").trim();
  }

  function formatNumber(n) {
    try {
      return new Intl.NumberFormat("fr-FR").format(n);
    } catch (e) {
      return String(n);
    }
  }

  function plural(n, one, many) {
    return formatNumber(n) + " " + (n > 1 ? many : one);
  }

  /** The API counts offsets in Unicode code points (Python); JavaScript strings count UTF-16 units. */
  function codePointMapper(text) {
    if (!/[\ud800-\udfff]/.test(text)) {
      return function (i) {
        return i;
      };
    }
    var units = [0];
    var offset = 0;
    for (var ch of text) {
      offset += ch.length;
      units.push(offset);
    }
    return function (i) {
      if (i <= 0) return 0;
      return i < units.length ? units[i] : text.length;
    };
  }

  /** Sorted, clamped, merged [start, end) spans in UTF-16 units. */
  function normaliseSpans(text, spans) {
    var toUnits = codePointMapper(text);
    var list = (Array.isArray(spans) ? spans : [])
      .map(function (span) {
        var s = Array.isArray(span) ? span[0] : span && span.start;
        var e = Array.isArray(span) ? span[1] : span && span.end;
        s = toUnits(Math.max(0, Math.floor(Number(s))));
        e = toUnits(Math.max(0, Math.floor(Number(e))));
        return [Math.min(s, text.length), Math.min(e, text.length)];
      })
      .filter(function (span) {
        return isFinite(span[0]) && isFinite(span[1]) && span[1] > span[0];
      })
      .sort(function (a, b) {
        return a[0] - b[0];
      });
    var merged = [];
    list.forEach(function (span) {
      var last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    });
    return merged;
  }

  /** Append `text` to `parent`, wrapping the `spans` in <mark> elements (text nodes only). */
  function appendHighlighted(parent, text, spans, markClass) {
    text = displayText(text);
    var pos = 0;
    normaliseSpans(text, spans).forEach(function (span) {
      if (span[0] > pos) parent.appendChild(document.createTextNode(text.slice(pos, span[0])));
      parent.appendChild(h("mark", { class: markClass || null, text: text.slice(span[0], span[1]) }));
      pos = span[1];
    });
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
    return parent;
  }

  /** "organisation — title (year) · section · page N" */
  function citationLine(c) {
    if (!c) return "";
    var head = [c.organisation, c.title]
      .filter(function (v) {
        return v !== null && v !== undefined && String(v).trim() !== "";
      })
      .map(oneLine)
      .join(" — ");
    if (c.year !== null && c.year !== undefined && c.year !== "") head += " (" + c.year + ")";
    var parts = [head];
    if (c.section && oneLine(c.section)) parts.push(oneLine(c.section));
    if (c.page !== null && c.page !== undefined && c.page !== "") parts.push("page " + c.page);
    return parts
      .filter(function (p) {
        return p && p.trim();
      })
      .join(" · ");
  }

  function copyLine(text, citation) {
    return oneLine(text) + " — " + citationLine(citation);
  }

  // ---------------------------------------------------------------------------------------------
  // URL state: /?q=…&organisation=…&year=…&kind=…  and  /?doc=ID&start=…&end=…(&full=1)
  // ---------------------------------------------------------------------------------------------

  function intOrNull(value) {
    if (value === null || value === undefined || value === "") return null;
    var n = Number(value);
    return Number.isInteger(n) && n >= 0 ? n : null;
  }

  function readUrl() {
    var p = new URLSearchParams(window.location.search);
    var year = (p.get("year") || "").trim();
    return {
      q: cleanQuery(p.get("q")).slice(0, MAX_QUERY),
      organisation: (p.get("organisation") || "").trim(),
      year: /^\d{1,4}$/.test(year) ? year : "",
      kind: (p.get("kind") || "").trim(),
      doc: (p.get("doc") || "").trim(),
      start: intOrNull(p.get("start")),
      end: intOrNull(p.get("end")),
      full: p.get("full") === "1",
    };
  }

  function buildUrl(s) {
    var p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    FILTERS.forEach(function (f) {
      if (s[f]) p.set(f, s[f]);
    });
    if (s.doc) {
      p.set("doc", s.doc);
      if (s.start !== null && s.start !== undefined && s.end !== null && s.end !== undefined) {
        p.set("start", String(s.start));
        p.set("end", String(s.end));
      }
      if (s.full) p.set("full", "1");
    }
    var query = p.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  function searchPart(s) {
    return { q: s.q, organisation: s.organisation, year: s.year, kind: s.kind };
  }

  function docUrl(citation, s) {
    var target = searchPart(s || current);
    target.doc = citation.document_id;
    target.start = citation.start;
    target.end = citation.end;
    return buildUrl(target);
  }

  function navigate(next, opts) {
    var url = buildUrl(next);
    var data = { rapporteur: true, fromApp: true };
    if (opts && opts.replace) window.history.replaceState(data, "", url);
    else if (url !== window.location.pathname + window.location.search) window.history.pushState(data, "", url);
    render();
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------------

  function ApiError(kind, status, message, retryAfter, detail) {
    this.kind = kind; // "network" | "timeout" | "http" | "invalid"
    this.status = status || 0;
    this.message = message || "";
    this.retryAfter = retryAfter;
    this.detail = detail;
  }

  function parseRetryAfter(value) {
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

  function fetchJson(path, options, signal) {
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
      .fetch(api(path), init)
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

  function isAbort(err) {
    return err && err.name === "AbortError";
  }

  // ---------------------------------------------------------------------------------------------
  // Status, errors
  // ---------------------------------------------------------------------------------------------

  function setStatus(text, loading) {
    els.status.textContent = text || "";
    els.status.classList.toggle("is-loading", !!loading);
  }

  var retryTimer = null;

  function clearError() {
    if (retryTimer) window.clearInterval(retryTimer);
    retryTimer = null;
    clear(els.error);
  }

  function errorMessage(err, what) {
    if (err.kind === "network") {
      return {
        title: "Le service Rapporteur est injoignable.",
        text: "Vérifiez votre connexion à Internet, puis réessayez. Si le problème continue, le service est peut-être en maintenance.",
      };
    }
    if (err.kind === "timeout") {
      return {
        title: "Le service met trop de temps à répondre.",
        text: "Réessayez dans un instant, éventuellement avec une question plus courte.",
      };
    }
    if (err.kind === "invalid") {
      return { title: "Le service a renvoyé une réponse illisible.", text: "Réessayez dans un instant." };
    }
    var s = err.status;
    if (s === 429) {
      var wait = err.retryAfter;
      return {
        title: "Trop de demandes en peu de temps.",
        text:
          wait !== null && wait !== undefined
            ? "Merci de patienter " + plural(Math.max(1, wait), "seconde", "secondes") + " avant de réessayer."
            : "Merci de patienter quelques instants avant de réessayer.",
        wait: wait,
      };
    }
    if (s === 404) {
      return {
        title: what === "document" ? "Ce document est introuvable." : "Ressource introuvable.",
        text:
          what === "document"
            ? "Il a peut-être été retiré de l'index depuis que le lien a été créé. Relancez la recherche."
            : "Le service ne propose pas cette adresse.",
      };
    }
    if (s === 413) return { title: "La demande est trop longue.", text: "Raccourcissez votre question (500 caractères au plus)." };
    if (s === 400 || s === 422) {
      return {
        title: "La demande n'a pas pu être traitée.",
        text:
          what === "document"
            ? "Le lien vers ce document n'est pas valide."
            : "Vérifiez votre saisie : une question ou quelques mots, 500 caractères au plus.",
      };
    }
    if (s === 503) {
      return {
        title: "Le service démarre ou est momentanément indisponible.",
        text: "Réessayez dans quelques secondes.",
        wait: err.retryAfter,
      };
    }
    if (s >= 500) {
      return { title: "Le service a rencontré une erreur (code " + s + ").", text: "Réessayez dans un instant." };
    }
    return { title: "La demande a été refusée (code " + s + ").", text: "Réessayez ou modifiez votre recherche." };
  }

  function showError(err, what, retry) {
    clearError();
    var msg = errorMessage(err, what);
    var box = h("div", { class: "error-box" + (err.status === 429 ? " is-rate-limited" : "") }, [
      h("p", { class: "error-title", text: msg.title }),
      h("p", { class: "error-text", text: msg.text }),
    ]);
    if (err.detail && err.kind === "http" && err.status < 500 && err.status !== 429) {
      box.appendChild(h("p", { class: "error-detail", text: "Détail : " + err.detail }));
    }
    if (retry) {
      var button = h("button", { type: "button", class: "btn btn-secondary error-retry", text: "Réessayer" });
      button.addEventListener("click", function () {
        clearError();
        retry();
      });
      var wait = msg.wait;
      if (wait && wait > 0) {
        var left = wait;
        button.disabled = true;
        button.textContent = "Réessayer (" + left + " s)";
        retryTimer = window.setInterval(function () {
          left -= 1;
          if (left <= 0) {
            window.clearInterval(retryTimer);
            retryTimer = null;
            button.disabled = false;
            button.textContent = "Réessayer";
          } else {
            button.textContent = "Réessayer (" + left + " s)";
          }
        }, 1000);
      }
      box.appendChild(button);
    }
    els.error.appendChild(box);
  }

  // ---------------------------------------------------------------------------------------------
  // Facets (filters with counts), from GET /v1/documents
  // ---------------------------------------------------------------------------------------------

  var facets = { documents: null, counts: null, loaded: false, loading: null };

  function docMeta(d) {
    var m = d && (d.meta || d.metadata || d);
    return {
      organisation: m && m.organisation ? String(m.organisation) : "",
      year: m && m.year !== null && m.year !== undefined ? String(m.year) : "",
      kind: m && m.kind ? String(m.kind) : "",
    };
  }

  function facetEntries(raw) {
    var out = new Map();
    if (Array.isArray(raw)) {
      raw.forEach(function (item) {
        if (Array.isArray(item)) out.set(String(item[0]), Number(item[1]) || 0);
        else if (item && typeof item === "object") {
          var v = item.value !== undefined ? item.value : item.name !== undefined ? item.name : item.key;
          if (v !== undefined && v !== null) out.set(String(v), Number(item.count) || 0);
        }
      });
    } else if (raw && typeof raw === "object") {
      Object.keys(raw).forEach(function (k) {
        out.set(k, Number(raw[k]) || 0);
      });
    }
    return out;
  }

  function loadFacets() {
    if (facets.loaded) return Promise.resolve();
    if (facets.loading) return facets.loading;
    facets.loading = fetchJson("v1/documents")
      .then(function (data) {
        var docs = Array.isArray(data) ? data : data.documents || data.items || null;
        facets.documents = Array.isArray(docs) ? docs.map(docMeta) : null;
        var raw = (data && !Array.isArray(data) && (data.facets || data.counts)) || null;
        if (raw) {
          facets.counts = {};
          FILTERS.forEach(function (f) {
            facets.counts[f] = facetEntries(raw[f] || raw[f + "s"] || raw[f === "year" ? "years" : f]);
          });
        }
        facets.loaded = true;
      })
      .catch(function () {
        facets.loaded = false;
      })
      .finally(function () {
        facets.loading = null;
        renderFilters();
      });
    return facets.loading;
  }

  /** Counts for one facet given the other active filters (from the documents when listed). */
  function countsFor(field, s) {
    var counts = new Map();
    var total = 0;
    if (facets.documents && facets.documents.length) {
      facets.documents.forEach(function (d) {
        if (d[field] !== "") counts.set(d[field], 0); // every value stays listed, at 0 when filtered out
      });
      facets.documents.forEach(function (d) {
        var others = FILTERS.every(function (f) {
          if (f === field || !s[f]) return true;
          return d[f].toLocaleLowerCase("fr") === String(s[f]).toLocaleLowerCase("fr");
        });
        if (!others) return;
        total += 1;
        if (d[field] !== "") counts.set(d[field], (counts.get(d[field]) || 0) + 1);
      });
      return { counts: counts, total: total };
    }
    if (facets.counts && facets.counts[field]) {
      facets.counts[field].forEach(function (n, v) {
        counts.set(v, n);
        total += n;
      });
      return { counts: counts, total: null };
    }
    return { counts: counts, total: null };
  }

  function renderFilters() {
    FILTERS.forEach(function (field) {
      var select = els.selects[field];
      var selected = current[field] || "";
      var info = countsFor(field, current);
      var values = Array.from(info.counts.keys());
      if (field === "year") {
        values.sort(function (a, b) {
          return Number(b) - Number(a);
        });
      } else {
        values.sort(function (a, b) {
          return a.localeCompare(b, "fr", { sensitivity: "base" });
        });
      }
      var matched = values.find(function (v) {
        return v.toLocaleLowerCase("fr") === selected.toLocaleLowerCase("fr");
      });
      if (selected && matched === undefined) values.unshift(selected);
      clear(select);
      var allLabel = FILTER_ALL[field] + (info.total !== null ? " (" + formatNumber(info.total) + ")" : "");
      select.appendChild(h("option", { value: "", text: allLabel }));
      values.forEach(function (v) {
        var n = info.counts.get(v) || 0;
        var isSelected = matched !== undefined ? v === matched : v === selected;
        select.appendChild(
          h("option", { value: v, text: v + " (" + formatNumber(n) + ")", disabled: n === 0 && !isSelected })
        );
      });
      select.value = matched !== undefined ? matched : selected;
    });
    var active = FILTERS.filter(function (f) {
      return !!current[f];
    }).length;
    els.clearFilters.hidden = !active;
    els.filtersCount.textContent = active ? "(" + plural(active, "filtre actif", "filtres actifs") + ")" : "";
    if (active) els.filtersPanel.open = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Suggestions: an ARIA 1.2 combobox with a listbox popup
  // ---------------------------------------------------------------------------------------------

  var suggest = { timer: null, seq: 0, controller: null, items: [], active: -1, lastQuery: "" };

  function suggestionText(item) {
    if (typeof item === "string") return item;
    if (item && typeof item === "object") {
      return String(item.text || item.label || item.value || item.suggestion || item.completion || "");
    }
    return "";
  }

  function closeSuggestions() {
    suggest.active = -1;
    els.listbox.hidden = true;
    els.input.setAttribute("aria-expanded", "false");
    els.input.removeAttribute("aria-activedescendant");
  }

  function cancelSuggestions() {
    window.clearTimeout(suggest.timer);
    suggest.seq += 1;
    if (suggest.controller) suggest.controller.abort();
    suggest.controller = null;
    suggest.items = [];
    closeSuggestions();
  }

  function openSuggestions() {
    if (!suggest.items.length) return;
    els.listbox.hidden = false;
    els.input.setAttribute("aria-expanded", "true");
  }

  function setActiveSuggestion(index) {
    var options = els.listbox.querySelectorAll('[role="option"]');
    suggest.active = index;
    options.forEach(function (opt, i) {
      var on = i === index;
      opt.setAttribute("aria-selected", on ? "true" : "false");
      opt.classList.toggle("is-active", on);
      if (on) {
        els.input.setAttribute("aria-activedescendant", opt.id);
        opt.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0) els.input.removeAttribute("aria-activedescendant");
  }

  function renderSuggestions(items, typed) {
    suggest.items = items;
    clear(els.listbox);
    items.forEach(function (text, i) {
      var option = h("li", { id: "suggestion-" + i, role: "option", "aria-selected": "false", class: "suggestion" });
      var lower = text.toLocaleLowerCase("fr");
      var at = typed ? lower.indexOf(typed.toLocaleLowerCase("fr")) : -1;
      if (at >= 0) appendHighlighted(option, text, [[at, at + typed.length]]);
      else option.textContent = text;
      option.addEventListener("mousedown", function (e) {
        e.preventDefault(); // keep the focus in the box
      });
      option.addEventListener("click", function () {
        chooseSuggestion(i);
      });
      els.listbox.appendChild(option);
    });
    if (items.length) {
      openSuggestions();
      setActiveSuggestion(-1);
      els.suggestStatus.textContent =
        plural(items.length, "suggestion", "suggestions") + " : flèches haut et bas pour les parcourir.";
    } else {
      closeSuggestions();
      els.suggestStatus.textContent = "";
    }
  }

  function requestSuggestions() {
    var typed = cleanQuery(els.input.value);
    window.clearTimeout(suggest.timer);
    if (typed.length < SUGGEST_MIN_CHARS || typed.length > MAX_QUERY) {
      cancelSuggestions();
      return;
    }
    suggest.timer = window.setTimeout(function () {
      var seq = ++suggest.seq;
      if (suggest.controller) suggest.controller.abort();
      suggest.controller = new AbortController();
      fetchJson("v1/suggest?" + new URLSearchParams({ q: typed }).toString(), null, suggest.controller.signal)
        .then(function (data) {
          if (seq !== suggest.seq || document.activeElement !== els.input) return;
          var raw = Array.isArray(data) ? data : data.suggestions || data.results || data.items || [];
          var seen = new Set();
          var items = raw
            .map(suggestionText)
            .map(oneLine)
            .filter(function (t) {
              var key = t.toLocaleLowerCase("fr");
              if (!t || seen.has(key)) return false;
              seen.add(key);
              return true;
            })
            .slice(0, 8);
          renderSuggestions(items, typed);
        })
        .catch(function () {
          // Suggestions are a comfort: a failure never blocks the search.
          if (seq === suggest.seq) renderSuggestions([], typed);
        });
    }, SUGGEST_DELAY_MS);
  }

  function chooseSuggestion(index) {
    var text = suggest.items[index];
    if (text === undefined) return;
    els.input.value = text;
    cancelSuggestions();
    submitSearch();
  }

  // ---------------------------------------------------------------------------------------------
  // Search: POST /v1/ask, then the answer (or the no-answer state) and the ranked passages
  // ---------------------------------------------------------------------------------------------

  var current = readUrl();
  var search = { seq: 0, controller: null, key: null, data: null };
  var items = []; // navigable results: { el, href, copy }
  var lastOpened = -1;

  function searchKey(s) {
    return JSON.stringify([s.q, s.organisation, s.year, s.kind]);
  }

  function submitSearch() {
    var q = cleanQuery(els.input.value);
    cancelSuggestions();
    if (!q) {
      clearError();
      setStatus("Saisissez une question ou quelques mots.");
      els.input.focus();
      return;
    }
    if (q.length > MAX_QUERY) {
      setStatus("La question est trop longue : 500 caractères au plus.");
      els.input.focus();
      return;
    }
    var next = searchPart(current);
    next.q = q;
    FILTERS.forEach(function (f) {
      next[f] = els.selects[f].value;
    });
    search.key = null; // a submitted search always runs again, even when it is the same
    navigate(next);
  }

  function runSearch(s) {
    var key = searchKey(s);
    if (key === search.key && search.data) {
      showResults();
      return;
    }
    if (search.controller) search.controller.abort();
    var controller = new AbortController();
    search.controller = controller;
    var seq = ++search.seq;
    search.key = key;
    search.data = null;
    clearError();
    showResults();
    renderEmpty(s);
    els.answer.appendChild(h("p", { class: "loading-note", text: "Recherche dans les rapports en cours…" }));
    els.results.setAttribute("aria-busy", "true");
    els.results.classList.add("is-loading");
    setStatus("Recherche en cours…", true);
    var body = { question: s.q, k: PASSAGES };
    if (s.organisation) body.organisation = s.organisation;
    if (s.year) body.year = Number(s.year);
    if (s.kind) body.kind = s.kind;
    fetchJson(
      "v1/ask",
      { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) },
      controller.signal
    )
      .then(function (data) {
        if (seq !== search.seq) return;
        search.data = data;
        renderResults(s, data);
        if (!facets.loaded) loadFacets(); // e.g. the service was unreachable when the page loaded
      })
      .catch(function (err) {
        if (isAbort(err) || seq !== search.seq) return;
        search.key = null;
        renderEmpty(s);
        els.results.hidden = true;
        setStatus("La recherche n'a pas abouti.");
        showError(err, "search", function () {
          runSearch(readUrl());
        });
      })
      .finally(function () {
        if (seq !== search.seq) return;
        els.results.removeAttribute("aria-busy");
        els.results.classList.remove("is-loading");
      });
  }

  function filterSummary(s) {
    return FILTERS.filter(function (f) {
      return !!s[f];
    }).map(function (f) {
      return FILTER_NAMES[f] + " : " + s[f];
    });
  }

  function renderHeading(s) {
    els.resultsHeading.textContent = "Résultats pour « " + s.q + " »";
    var active = filterSummary(s);
    els.activeFilters.hidden = !active.length;
    els.activeFilters.textContent = active.length ? "Filtres actifs — " + active.join(" ; ") : "";
  }

  function renderEmpty(s) {
    items = [];
    renderHeading(s);
    clear(els.answer);
    clear(els.passages);
    els.passagesHeading.hidden = true;
  }

  function makeCopyButton(label, getText, extraClass) {
    var button = h("button", { type: "button", class: "btn btn-secondary copy-button " + (extraClass || ""), text: label });
    button.addEventListener("click", function (e) {
      e.stopPropagation();
      copyToClipboard(getText(), button);
    });
    return button;
  }

  function renderAnswer(data) {
    clear(els.answer);
    var answer = data && data.answer;
    if (answer && answer.text) {
      var citation = answer.citation || {};
      var href = docUrl(citation);
      var copy = copyLine(answer.text, citation);
      var card = h("article", {
        class: "answer-card result-item",
        tabindex: "-1",
        "aria-labelledby": "answer-title",
        "aria-describedby": "answer-text",
        "data-result": "answer",
      });
      card.appendChild(h("h3", { id: "answer-title", class: "answer-title", text: "Réponse des rapports" }));
      card.appendChild(appendHighlighted(h("p", { id: "answer-text", class: "answer-text" }), answer.text, []));
      card.appendChild(
        h("p", { class: "citation" }, [h("span", { class: "citation-label", text: "Source : " }), citationLine(citation)])
      );
      var actions = h("div", { class: "result-actions" }, [
        h("a", { class: "btn btn-primary open-citation", href: href, text: "Voir la source" }),
        makeCopyButton(
          "Copier la réponse et la citation",
          function () {
            return copy;
          },
          "copy-answer"
        ),
      ]);
      card.appendChild(actions);
      if (typeof answer.confidence === "number") {
        card.appendChild(
          h("p", { class: "confidence", text: "Confiance : " + Math.round(answer.confidence * 100) + " %" })
        );
      }
      els.answer.appendChild(card);
      return { el: card, href: href, copy: copy, citation: citation };
    }
    var reason = (data && data.no_answer) || {};
    var title = NO_ANSWER_TITLES[reason.reason] || NO_ANSWER_TITLES.no_clear_answer;
    var none = h(
      "article",
      {
        class: "no-answer result-item",
        tabindex: "-1",
        "aria-labelledby": "no-answer-title",
        "data-result": "no-answer",
        "data-reason": reason.reason || "no_clear_answer",
      },
      [
        h("h3", { id: "no-answer-title", class: "no-answer-title", text: title }),
        h("p", { class: "no-answer-message", text: reason.message || NO_CLEAR_ANSWER_MESSAGE }),
      ]
    );
    if (reason.reason !== "no_question") {
      none.appendChild(
        h("p", {
          class: "no-answer-advice",
          text: "Vérifiez les passages avant de vous en servir, ou orientez la demande vers le service compétent.",
        })
      );
    }
    els.answer.appendChild(none);
    return { el: none, href: null, copy: null, citation: null };
  }

  /** Passage text with the query words marked and, when given, its best sentence set apart. */
  function appendPassageText(parent, text, spans, best) {
    text = displayText(text);
    if (!Array.isArray(best) || !(best[1] > best[0])) return appendHighlighted(parent, text, spans);
    var points = Array.from(text);
    var cut = [0, Math.max(0, Math.min(points.length, best[0])), Math.max(0, Math.min(points.length, best[1])), points.length];
    for (var i = 0; i < 3; i++) {
      var from = cut[i];
      var to = cut[i + 1];
      if (to <= from) continue;
      var shifted = (Array.isArray(spans) ? spans : [])
        .map(function (span) {
          return [Math.max(span[0], from) - from, Math.min(span[1], to) - from];
        })
        .filter(function (span) {
          return span[1] > span[0];
        });
      var target = i === 1 ? parent.appendChild(h("span", { class: "best-sentence" })) : parent;
      appendHighlighted(target, points.slice(from, to).join(""), shifted);
    }
    return parent;
  }

  function renderPassage(p, i, withBest) {
    var citation = p.citation || {};
    var href = docUrl(citation);
    var copy = copyLine(p.text, citation);
    var id = "passage-" + i;
    var li = h("li", { class: "passage" });
    var article = h("article", {
      class: "result-item passage-card",
      tabindex: "-1",
      "aria-labelledby": id + "-cite",
      "aria-describedby": id + "-text",
      "data-result": "passage",
    });
    article.appendChild(h("p", { id: id + "-cite", class: "citation passage-citation", text: citationLine(citation) }));
    article.appendChild(
      appendPassageText(h("p", { id: id + "-text", class: "passage-text" }), p.text || "", p.highlights, withBest ? p.best_sentence : null)
    );
    article.appendChild(
      h("div", { class: "result-actions" }, [
        h("a", { class: "open-citation", href: href, text: "Voir le passage dans le document" }),
        makeCopyButton(
          "Copier le passage",
          function () {
            return copy;
          },
          "copy-passage"
        ),
      ])
    );
    li.appendChild(article);
    return { li: li, item: { el: article, href: href, copy: copy, citation: citation } };
  }

  function renderResults(s, data) {
    renderHeading(s);
    items = [];
    lastOpened = -1;
    var answerItem = renderAnswer(data);
    items.push(answerItem);
    clear(els.passages);
    var passages = (data && (data.passages || data.results)) || [];
    passages.forEach(function (p, i) {
      var rendered = renderPassage(p, i, !data.answer);
      els.passages.appendChild(rendered.li);
      items.push(rendered.item);
    });
    var asksNothing = !!(data.no_answer && data.no_answer.reason === "no_question");
    els.passagesHeading.hidden = asksNothing;
    if (asksNothing) {
      setStatus(NO_ANSWER_TITLES.no_question + ".");
      document.title = s.q + " — Rapporteur";
      return;
    }
    els.passagesHeading.textContent = passages.length
      ? (data.answer ? "Passages des rapports" : "Passages les plus proches")
      : "Aucun passage";
    if (!passages.length) {
      var tips = ["Aucun passage ne correspond. Essayez d'autres mots"];
      if (filterSummary(s).length) tips.push(" ou retirez des filtres");
      els.passages.appendChild(h("li", { class: "passage passage-empty", text: tips.join("") + "." }));
    }
    var reasonTitle = data.no_answer && NO_ANSWER_TITLES[data.no_answer.reason];
    var said = data.answer
      ? "Réponse trouvée. " + plural(passages.length, "passage", "passages") + "."
      : (reasonTitle || NO_ANSWER_TITLES.no_clear_answer) +
        ". " +
        plural(passages.length, "passage proche", "passages proches") +
        ".";
    setStatus(said);
    document.title = s.q + " — Rapporteur";
  }

  // ---------------------------------------------------------------------------------------------
  // Document view: GET /v1/documents/{id}?start=&end= with the cited span highlighted
  // ---------------------------------------------------------------------------------------------

  var docReq = { seq: 0, controller: null, data: null, key: null };

  function present(v) {
    return v !== undefined && v !== null && String(v).trim() !== "";
  }

  /**
   * GET /v1/documents/{id} answers {document, text, span}: `text` is the whole document (null when a
   * span is asked for); `span` is {start, end, text, context_before, context_after, context_start,
   * context_end, section, page}. Normalised to {meta, before, span, after, truncated*, section, page}.
   */
  function normaliseDocument(data, s) {
    var meta = (data && data.document) || {};
    var out = {
      meta: {
        id: meta.document_id || s.doc,
        title: meta.title || s.doc,
        organisation: meta.organisation,
        year: meta.year,
        kind: meta.kind,
        length: meta.characters,
      },
      section: null,
      page: null,
      before: "",
      span: "",
      after: "",
      truncatedBefore: false,
      truncatedAfter: false,
    };
    var span = data && data.span;
    if (span && typeof span === "object") {
      out.before = span.context_before || "";
      out.span = span.text || "";
      out.after = span.context_after || "";
      out.section = span.section;
      out.page = span.page;
      out.truncatedBefore = Number(span.context_start) > 0;
      out.truncatedAfter = present(meta.characters) && Number(span.context_end) < Number(meta.characters);
      return out;
    }
    var text = typeof data.text === "string" ? data.text : "";
    if (s.start === null || s.end === null) {
      out.before = text;
      return out;
    }
    // Whole document with the cited span (code-point offsets) highlighted in place.
    var toUnits = codePointMapper(text);
    var a = Math.max(0, Math.min(text.length, toUnits(s.start)));
    var b = Math.max(a, Math.min(text.length, toUnits(s.end)));
    out.before = text.slice(0, a);
    out.span = text.slice(a, b);
    out.after = text.slice(b);
    return out;
  }

  function openDocument(s) {
    var key = JSON.stringify([s.doc, s.start, s.end, s.full]);
    showDocumentView(s);
    if (key === docReq.key && docReq.data) {
      renderDocument(s, docReq.data);
      return;
    }
    if (docReq.controller) docReq.controller.abort();
    var controller = new AbortController();
    docReq.controller = controller;
    var seq = ++docReq.seq;
    docReq.key = key;
    docReq.data = null;
    clearError();
    clear(els.docBody);
    els.docTitle.textContent = "Chargement du document…";
    els.docMeta.textContent = "";
    els.docSpanMeta.textContent = "";
    els.docView.setAttribute("aria-busy", "true");
    setStatus("Chargement du document…", true);
    var path = "v1/documents/" + encodeURIComponent(s.doc);
    var hasSpan = s.start !== null && s.end !== null;
    if (hasSpan && !s.full) path += "?" + new URLSearchParams({ start: String(s.start), end: String(s.end) }).toString();
    fetchJson(path, null, controller.signal)
      .then(function (data) {
        if (seq !== docReq.seq) return;
        docReq.data = data;
        renderDocument(s, data);
        if (!facets.loaded) loadFacets();
      })
      .catch(function (err) {
        if (isAbort(err) || seq !== docReq.seq) return;
        docReq.key = null;
        els.docTitle.textContent = "Document indisponible";
        setStatus("Le document n'a pas pu être chargé.");
        showError(err, "document", function () {
          openDocument(readUrl());
        });
      })
      .finally(function () {
        if (seq === docReq.seq) els.docView.removeAttribute("aria-busy");
      });
  }

  function renderDocument(s, data) {
    var doc = normaliseDocument(data, s);
    var m = doc.meta;
    els.docTitle.textContent = oneLine(m.title);
    var metaParts = [m.organisation, m.year, m.kind].filter(present);
    els.docMeta.textContent = metaParts.map(String).join(" · ");
    clear(els.docBody);
    var hasSpan = s.start !== null && s.end !== null && doc.span !== "";
    var citation = {
      document_id: m.id,
      title: m.title,
      organisation: m.organisation,
      year: m.year,
      section: doc.section,
      page: doc.page,
    };
    var where = [present(doc.section) ? oneLine(doc.section) : null, present(doc.page) ? "page " + doc.page : null]
      .filter(Boolean)
      .join(" · ");
    els.docSpanMeta.textContent = hasSpan ? "Extrait cité" + (where ? " : " + where : "") : "";
    var body = h("div", { class: "doc-text-inner" });
    if (doc.truncatedBefore) body.appendChild(h("span", { class: "ellipsis", "aria-hidden": "true", text: "[…] " }));
    body.appendChild(document.createTextNode(displayText(doc.before)));
    var mark = null;
    if (hasSpan) {
      mark = h("mark", { id: "cited-span", class: "cited-span", tabindex: "-1" }, [
        h("span", { class: "visually-hidden", text: "Début de l'extrait cité. " }),
        displayText(doc.span),
        h("span", { class: "visually-hidden", text: " Fin de l'extrait cité." }),
      ]);
      body.appendChild(mark);
      body.appendChild(document.createTextNode(displayText(doc.after)));
    }
    if (doc.truncatedAfter) body.appendChild(h("span", { class: "ellipsis", "aria-hidden": "true", text: " […]" }));
    els.docBody.appendChild(body);

    els.docCopy.hidden = !hasSpan;
    var copy = hasSpan ? copyLine(doc.span, citation) : "";
    els.docCopy.dataset.copy = copy;

    var toggle = Object.assign(searchPart(s), { doc: s.doc, start: s.start, end: s.end, full: !s.full });
    els.docToggle.hidden = !(s.start !== null && s.end !== null);
    els.docToggle.href = buildUrl(toggle);
    els.docToggle.textContent = s.full ? "Afficher seulement l'extrait" : "Afficher le document entier";

    document.title = oneLine(m.title) + " — Rapporteur";
    if (mark) {
      setStatus("Document ouvert, extrait cité surligné.");
      mark.scrollIntoView({ block: "center" });
      mark.focus({ preventScroll: true });
    } else {
      setStatus("Document ouvert.");
      els.docTitle.focus();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Views
  // ---------------------------------------------------------------------------------------------

  function showIntro() {
    els.intro.hidden = false;
    els.results.hidden = true;
    els.docView.hidden = true;
    document.title = "Rapporteur — recherche dans les rapports des collectivités";
  }

  function showResults() {
    els.intro.hidden = true;
    els.results.hidden = false;
    els.docView.hidden = true;
  }

  function showDocumentView(s) {
    els.intro.hidden = true;
    els.results.hidden = true;
    els.docView.hidden = false;
    var back = searchPart(s);
    els.backLink.href = buildUrl(back);
    els.backLink.textContent = back.q ? "← Retour aux résultats" : "← Nouvelle recherche";
  }

  function syncForm(s) {
    if (cleanQuery(els.input.value) !== s.q) els.input.value = s.q;
    renderFilters();
  }

  function render() {
    var previous = current;
    current = readUrl();
    syncForm(current);
    if (current.doc) {
      openDocument(current);
      return;
    }
    clearError();
    if (!current.q) {
      showIntro();
      setStatus("");
      return;
    }
    var same = searchKey(current) === search.key && search.data;
    runSearch(current);
    if (same && previous.doc) {
      // Back from a document: focus the result that opened it.
      var item = items[lastOpened];
      if (item) item.el.focus();
      setStatus("Retour aux résultats pour « " + current.q + " ».");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Clipboard
  // ---------------------------------------------------------------------------------------------

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "clipboard-helper";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function copyToClipboard(text, button) {
    if (!text) return;
    var done = function (ok) {
      setStatus(ok ? "Copié dans le presse-papiers." : "La copie a échoué : sélectionnez le texte et copiez-le.");
      if (button && ok) {
        var label = button.textContent;
        button.textContent = "Copié !";
        button.classList.add("is-done");
        window.setTimeout(function () {
          button.textContent = label;
          button.classList.remove("is-done");
        }, 2000);
      }
    };
    var focused = document.activeElement;
    var restore = function () {
      if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          done(true);
        },
        function () {
          done(fallbackCopy(text));
          restore();
        }
      );
    } else {
      done(fallbackCopy(text));
      restore();
    }
  }

  function copyShortcut() {
    if (!els.docView.hidden) {
      if (els.docCopy.dataset.copy) copyToClipboard(els.docCopy.dataset.copy, els.docCopy);
      return;
    }
    if (els.results.hidden || !items.length) return;
    var focusedItem = currentItemIndex();
    var item = focusedItem >= 0 ? items[focusedItem] : items[0];
    if (item && item.copy) {
      var button = item.el.querySelector(".copy-button");
      copyToClipboard(item.copy, button);
    } else {
      setStatus("Rien à copier : les rapports ne répondent pas à cette question. Sélectionnez un passage avec les flèches.");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Keyboard
  // ---------------------------------------------------------------------------------------------

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function currentItemIndex() {
    var active = document.activeElement;
    for (var i = 0; i < items.length; i++) {
      if (items[i].el === active || items[i].el.contains(active)) return i;
    }
    return -1;
  }

  function focusItem(index) {
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    var el = items[index].el;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  function openItem(index) {
    var item = items[index];
    if (!item || !item.href) return false;
    lastOpened = index;
    pushView(item.href);
    return true;
  }

  function onInputKeydown(e) {
    var open = !els.listbox.hidden && suggest.items.length > 0;
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (open) setActiveSuggestion((suggest.active + 1) % suggest.items.length);
        else if (suggest.items.length) {
          openSuggestions();
          setActiveSuggestion(0);
        } else if (!els.results.hidden && items.length) {
          focusItem(0);
        }
        break;
      case "ArrowUp":
        if (open) {
          e.preventDefault();
          setActiveSuggestion(suggest.active <= 0 ? suggest.items.length - 1 : suggest.active - 1);
        }
        break;
      case "Enter":
        if (open && suggest.active >= 0) {
          e.preventDefault();
          chooseSuggestion(suggest.active);
        }
        break;
      case "Escape":
        if (open) {
          e.preventDefault();
          closeSuggestions();
        }
        break;
      case "Tab":
        closeSuggestions();
        break;
      default:
        break;
    }
  }

  function onDocumentKeydown(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    var target = e.target;
    if (e.key === "/" && !isTyping(target)) {
      e.preventDefault();
      els.input.focus();
      els.input.select();
      return;
    }
    if (isTyping(target)) return;
    if (e.key === "Escape" && !els.docView.hidden) {
      e.preventDefault();
      goBack();
      return;
    }
    if ((e.key === "c" || e.key === "C") && !e.shiftKey) {
      e.preventDefault();
      copyShortcut();
      return;
    }
    if (els.results.hidden || !items.length) return;
    var index = currentItemIndex();
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (index < 0) focusItem(e.key === "ArrowDown" ? 0 : items.length - 1);
      else focusItem(index + (e.key === "ArrowDown" ? 1 : -1));
    } else if ((e.key === "Home" || e.key === "End") && index >= 0) {
      e.preventDefault();
      focusItem(e.key === "Home" ? 0 : items.length - 1);
    } else if (e.key === "Enter" && index >= 0 && target === items[index].el) {
      if (openItem(index)) e.preventDefault();
    }
  }

  /** Back to the results: one step back in history when the results are the previous entry. */
  function goBack() {
    var state = window.history.state;
    var back = searchPart(current);
    if (state && state.fromResults && back.q && searchKey(back) === search.key) window.history.back();
    else navigate(back);
  }

  /** History entry for a page of the app; `fromResults` when it was opened from the results list. */
  function pushView(url) {
    var fromResults = !current.doc && !!current.q && !els.results.hidden;
    window.history.pushState({ rapporteur: true, fromApp: true, fromResults: fromResults }, "", url);
    render();
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring
  // ---------------------------------------------------------------------------------------------

  function onLinkClick(e) {
    var link = e.target.closest && e.target.closest("a");
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var url = new URL(link.href, document.baseURI);
    if (url.origin !== window.location.origin || url.pathname !== window.location.pathname) return;
    e.preventDefault();
    if (link === els.backLink) {
      goBack();
      return;
    }
    var index = -1;
    for (var i = 0; i < items.length; i++) if (items[i].el.contains(link)) index = i;
    if (index >= 0) lastOpened = index;
    pushView(url.pathname + url.search);
  }

  els.form.addEventListener("submit", function (e) {
    e.preventDefault();
    submitSearch();
  });
  els.input.addEventListener("input", requestSuggestions);
  els.input.addEventListener("keydown", onInputKeydown);
  els.input.addEventListener("blur", function () {
    closeSuggestions();
  });
  els.input.addEventListener("focus", function () {
    if (suggest.items.length && cleanQuery(els.input.value) !== current.q) openSuggestions();
  });
  FILTERS.forEach(function (f) {
    els.selects[f].addEventListener("change", function () {
      var next = searchPart(current);
      next[f] = els.selects[f].value;
      var typed = cleanQuery(els.input.value);
      if (typed && typed.length <= MAX_QUERY) next.q = typed;
      navigate(next, { replace: !next.q });
    });
  });
  els.clearFilters.addEventListener("click", function () {
    var next = searchPart(current);
    FILTERS.forEach(function (f) {
      next[f] = "";
    });
    navigate(next);
    els.input.focus();
  });
  els.docCopy.addEventListener("click", function () {
    copyToClipboard(els.docCopy.dataset.copy, els.docCopy);
  });
  document.addEventListener("keydown", onDocumentKeydown);
  document.addEventListener("click", onLinkClick);
  window.addEventListener("popstate", render);

  // Normalise the URL (drops empty or invalid parameters) without adding a history entry.
  window.history.replaceState({ rapporteur: true, fromApp: false }, "", buildUrl(current));
  document.documentElement.classList.add("js");
  // On a phone (or at a large zoom) the filters start folded, so the answer shows without scrolling.
  if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) els.filtersPanel.open = false;
  render();
  loadFacets();
  if (!current.q && !current.doc) els.input.focus();
})();
