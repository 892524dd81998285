/* Rapporteur widget: turns a search form of a collectivité's website into a Rapporteur search box.
 *
 *   <script src="https://rapporteur.example/static/widget.js"
 *           data-endpoint="https://rapporteur.example/" data-form="#search-form" defer></script>
 *
 * Options (data-* attributes of the script tag):
 *   data-endpoint      the Rapporteur service (default: the origin the script was loaded from)
 *   data-form          CSS selector of the form to take over (default: form[role="search"])
 *   data-input         CSS selector of the text field inside the form (default: the first search/text field)
 *   data-results       CSS selector of an element to show the results in (default: a block after the form)
 *   data-k             how many passages to show (1-20, default 5)
 *   data-organisation, data-year, data-kind   fixed filters (e.g. only this collectivité's reports)
 *   data-styles="none" do not load the widget's stylesheet (style the .rapporteur-* classes yourself)
 *
 * Results come from GET {endpoint}/v1/search across origins (the service's CORS allow-list must hold the
 * website's origin). Every text is inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) return;

  var VERSION = "1";
  var TIMEOUT_MS = 15000;
  var scriptUrl = new URL(script.src, document.baseURI);
  var config = script.dataset;

  function endpointOf(value) {
    var base = value ? new URL(value, document.baseURI) : new URL("/", scriptUrl);
    var href = base.origin + base.pathname;
    return href.replace(/\/+$/, "");
  }

  var defaults = {
    endpoint: endpointOf(config.endpoint),
    form: config.form || 'form[role="search"]',
    input: config.input || null,
    results: config.results || null,
    k: Math.max(1, Math.min(20, parseInt(config.k, 10) || 5)),
    organisation: config.organisation || "",
    year: config.year || "",
    kind: config.kind || "",
    styles: config.styles !== "none",
  };

  function h(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function oneLine(text) {
    return String(text || "").replace(/\s+/g, " ").trim();
  }

  function citationLine(c) {
    if (!c) return "";
    var head = [c.organisation, c.title].filter(Boolean).map(oneLine).join(" — ");
    if (c.year !== null && c.year !== undefined && c.year !== "") head += " (" + c.year + ")";
    var parts = [head];
    if (c.section && oneLine(c.section)) parts.push(oneLine(c.section));
    if (c.page !== null && c.page !== undefined && c.page !== "") parts.push("page " + c.page);
    return parts.filter(Boolean).join(" · ");
  }

  /** Append `text`, wrapping the API's highlight spans (code-point offsets) in <mark>. */
  function appendHighlighted(parent, text, spans) {
    var chars = Array.from(String(text || "").replace(/(^|[^\n])\n(?!\n)/g, "$1 "));
    var marks = (Array.isArray(spans) ? spans : [])
      .map(function (s) {
        return [Math.max(0, Number(s[0]) | 0), Math.min(chars.length, Number(s[1]) | 0)];
      })
      .filter(function (s) {
        return s[1] > s[0];
      })
      .sort(function (a, b) {
        return a[0] - b[0];
      });
    var pos = 0;
    marks.forEach(function (s) {
      if (s[1] <= pos) return;
      var start = Math.max(s[0], pos);
      if (start > pos) parent.appendChild(document.createTextNode(chars.slice(pos, start).join("")));
      parent.appendChild(h("mark", "rapporteur-mark", chars.slice(start, s[1]).join("")));
      pos = s[1];
    });
    if (pos < chars.length) parent.appendChild(document.createTextNode(chars.slice(pos).join("")));
  }

  function loadStyles() {
    var href = new URL("widget.css", scriptUrl).toString();
    var exists = Array.prototype.some.call(document.querySelectorAll('link[rel="stylesheet"]'), function (l) {
      return l.href === href;
    });
    if (exists) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function pageUrl(opts, params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      if (params[k] !== null && params[k] !== undefined && params[k] !== "") query.set(k, String(params[k]));
    });
    return opts.endpoint + "/?" + query.toString();
  }

  function retryAfter(response) {
    var value = response.headers.get("Retry-After");
    if (!value) return null;
    if (/^\d+$/.test(value.trim())) return Number(value.trim());
    var when = Date.parse(value);
    return isNaN(when) ? null : Math.max(1, Math.ceil((when - Date.now()) / 1000));
  }

  function attach(form, options) {
    if (typeof form === "string") form = document.querySelector(form);
    if (!form || form.tagName !== "FORM") {
      if (window.console) console.warn("Rapporteur : formulaire de recherche introuvable.");
      return null;
    }
    if (form.dataset.rapporteur === "on") return null;
    var opts = Object.assign({}, defaults, options || {});
    if (options && options.endpoint) opts.endpoint = endpointOf(options.endpoint);
    var input = opts.input
      ? form.querySelector(opts.input)
      : form.querySelector('input[type="search"], input[name="q"], input[type="text"], input:not([type])');
    if (!input) {
      if (window.console) console.warn("Rapporteur : aucun champ de saisie dans le formulaire.");
      return null;
    }
    form.dataset.rapporteur = "on";
    if (opts.styles) loadStyles();

    var box = opts.results ? document.querySelector(opts.results) : null;
    if (!box) {
      box = h("div", "rapporteur-widget");
      form.insertAdjacentElement("afterend", box);
    } else {
      box.classList.add("rapporteur-widget");
    }
    var live = h("p", "rapporteur-status");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    var region = h("section", "rapporteur-results");
    region.setAttribute("aria-label", "Résultats dans les rapports de la collectivité");
    region.hidden = true;
    box.appendChild(live);
    box.appendChild(region);

    var seq = 0;
    var controller = null;

    function setStatus(text, kind) {
      live.textContent = text;
      live.className = "rapporteur-status" + (kind ? " rapporteur-status-" + kind : "");
    }

    function render(query, data) {
      while (region.firstChild) region.removeChild(region.firstChild);
      var results = (data && data.results) || [];
      region.hidden = false;
      region.appendChild(h("h2", "rapporteur-heading", "Dans les rapports de la collectivité"));
      if (!results.length) {
        region.appendChild(
          h("p", "rapporteur-empty", "Aucun passage des rapports ne correspond à « " + query + " ».")
        );
      } else {
        var list = h("ol", "rapporteur-list");
        results.forEach(function (r) {
          var c = r.citation || {};
          var item = h("li", "rapporteur-item");
          var link = h("a", "rapporteur-link", citationLine(c));
          link.href = pageUrl(opts, {
            q: query,
            organisation: opts.organisation,
            year: opts.year,
            kind: opts.kind,
            doc: c.document_id,
            start: c.start,
            end: c.end,
          });
          var title = h("p", "rapporteur-citation");
          title.appendChild(link);
          var text = h("p", "rapporteur-text");
          appendHighlighted(text, r.text, r.highlights);
          item.appendChild(title);
          item.appendChild(text);
          list.appendChild(item);
        });
        region.appendChild(list);
      }
      var more = h("a", "rapporteur-more", "Poser la question à Rapporteur (réponse et tous les passages)");
      more.href = pageUrl(opts, { q: query, organisation: opts.organisation, year: opts.year, kind: opts.kind });
      var footer = h("p", "rapporteur-footer");
      footer.appendChild(more);
      region.appendChild(footer);
      setStatus(
        results.length
          ? results.length + (results.length > 1 ? " passages trouvés" : " passage trouvé") + " dans les rapports."
          : "Aucun passage trouvé dans les rapports."
      );
    }

    function fail(message) {
      while (region.firstChild) region.removeChild(region.firstChild);
      region.hidden = true;
      setStatus(message, "error");
    }

    function run(query) {
      var current = ++seq;
      if (controller) controller.abort();
      controller = new AbortController();
      var timedOut = false;
      var timer = window.setTimeout(function () {
        timedOut = true;
        controller.abort();
      }, TIMEOUT_MS);
      var params = new URLSearchParams({ q: query, k: String(opts.k) });
      if (opts.organisation) params.set("organisation", opts.organisation);
      if (opts.year) params.set("year", opts.year);
      if (opts.kind) params.set("kind", opts.kind);
      box.setAttribute("aria-busy", "true");
      setStatus("Recherche dans les rapports…", "loading");
      window
        .fetch(opts.endpoint + "/v1/search?" + params.toString(), {
          mode: "cors",
          credentials: "omit",
          signal: controller.signal,
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          if (current !== seq) return;
          if (response.status === 429) {
            var wait = retryAfter(response);
            fail(
              "Trop de recherches en peu de temps : réessayez " +
                (wait ? "dans " + wait + (wait > 1 ? " secondes." : " seconde.") : "dans quelques instants.")
            );
            return;
          }
          if (response.status === 400 || response.status === 422) {
            fail("Recherche invalide : saisissez une question ou quelques mots (500 caractères au plus).");
            return;
          }
          if (!response.ok) {
            fail("La recherche dans les rapports est momentanément indisponible (code " + response.status + ").");
            return;
          }
          return response.json().then(function (data) {
            if (current === seq) render(query, data);
          });
        })
        .catch(function (err) {
          if (current !== seq) return;
          if (err && err.name === "AbortError" && !timedOut) return;
          fail(
            timedOut
              ? "La recherche dans les rapports met trop de temps à répondre : réessayez."
              : "Le service de recherche dans les rapports est injoignable pour le moment."
          );
        })
        .finally(function () {
          window.clearTimeout(timer);
          if (current === seq) box.removeAttribute("aria-busy");
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = oneLine(input.value);
      if (!query) {
        fail("Saisissez une question ou quelques mots.");
        input.focus();
        return;
      }
      run(query.slice(0, 500));
    });

    return { form: form, input: input, results: box, search: run };
  }

  window.Rapporteur = window.Rapporteur || {};
  window.Rapporteur.version = VERSION;
  window.Rapporteur.attach = attach;

  function init() {
    if (config.form === "none") return;
    attach(defaults.form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
