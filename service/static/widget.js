/* Rapporteur widget: turns a search form of a collectivité's website into a Rapporteur search box.
 *
 *   <script type="module" src="https://rapporteur.example/static/widget.js"
 *           data-endpoint="https://rapporteur.example/" data-form="#search-form"></script>
 *
 * Options (data-* attributes of the script tag):
 *   data-endpoint      the Rapporteur service (default: the origin the script was loaded from)
 *   data-form          CSS selector of the form to take over (default: form[role="search"]; "none": do not
 *                      take one over, call window.Rapporteur.attach(form, options) yourself)
 *   data-input         CSS selector of the text field inside the form (default: the first search/text field)
 *   data-results       CSS selector of an element to show the results in (default: a block after the form)
 *   data-k             how many passages to show (1-20, default 5)
 *   data-organisation, data-year, data-kind   fixed filters (e.g. only this collectivité's reports)
 *   data-styles="none" do not load the widget's stylesheet (style the .rapporteur-* classes yourself)
 *
 * A module script, fetched across origins with CORS: the website's origin must be in the service's CORS
 * allow-list for the script (and the ./js/ modules it imports) to load, as for the results, which come
 * from GET {endpoint}/v1/search. Module scripts have no document.currentScript: the options are read from
 * the <script> elements whose src is this module's URL (import.meta.url); several tags with the same URL
 * each take over their form. Every text is inserted with textContent, never as HTML.
 */

import { parseRetryAfter } from "./js/api.js";
import { appendHighlighted, citationLine, h, oneLine } from "./js/text.js";

const VERSION = "1";
const TIMEOUT_MS = 15000;
const scriptUrl = new URL(import.meta.url);

/** The <script> elements that loaded this module: same URL, else (after a redirect) same path. */
function ownScripts() {
  var scripts = Array.prototype.slice.call(document.querySelectorAll("script[src]"));
  var same = scripts.filter(function (s) {
    return s.src === scriptUrl.href;
  });
  if (same.length) return same;
  return scripts.filter(function (s) {
    return new URL(s.src, document.baseURI).pathname === scriptUrl.pathname;
  });
}

function endpointOf(value) {
  var base = value ? new URL(value, document.baseURI) : new URL("/", scriptUrl);
  var href = base.origin + base.pathname;
  return href.replace(/\/+$/, "");
}

/** The options given by the data-* attributes `config` of a script tag. */
function optionsOf(config) {
  return {
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

/** Take over `form` (an element or a selector) with the options `defaults`, overridden by `options`. */
function attachWith(defaults, form, options) {
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
    box = h("div", { class: "rapporteur-widget" });
    form.insertAdjacentElement("afterend", box);
  } else {
    box.classList.add("rapporteur-widget");
  }
  var live = h("p", { class: "rapporteur-status", role: "status", "aria-live": "polite" });
  var region = h("section", {
    class: "rapporteur-results",
    "aria-label": "Résultats dans les rapports de la collectivité",
    hidden: true,
  });
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
    region.appendChild(h("h2", { class: "rapporteur-heading", text: "Dans les rapports de la collectivité" }));
    if (!results.length) {
      region.appendChild(
        h("p", { class: "rapporteur-empty", text: "Aucun passage des rapports ne correspond à « " + query + " »." })
      );
    } else {
      var list = h("ol", { class: "rapporteur-list" });
      results.forEach(function (r) {
        var c = r.citation || {};
        var link = h("a", { class: "rapporteur-link", text: citationLine(c) });
        link.href = pageUrl(opts, {
          q: query,
          organisation: opts.organisation,
          year: opts.year,
          kind: opts.kind,
          doc: c.document_id,
          start: c.start,
          end: c.end,
        });
        var text = h("p", { class: "rapporteur-text" });
        appendHighlighted(text, r.text, r.highlights, "rapporteur-mark");
        list.appendChild(h("li", { class: "rapporteur-item" }, [h("p", { class: "rapporteur-citation" }, [link]), text]));
      });
      region.appendChild(list);
    }
    var more = h("a", {
      class: "rapporteur-more",
      text: "Poser la question à Rapporteur (réponse et tous les passages)",
    });
    more.href = pageUrl(opts, { q: query, organisation: opts.organisation, year: opts.year, kind: opts.kind });
    region.appendChild(h("p", { class: "rapporteur-footer" }, [more]));
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
          var wait = parseRetryAfter(response.headers.get("Retry-After"));
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

const tags = ownScripts();
// window.Rapporteur.attach takes the options of the last tag (a module runs once, whatever the tags).
const defaults = optionsOf(tags.length ? tags[tags.length - 1].dataset : {});

window.Rapporteur = window.Rapporteur || {};
window.Rapporteur.version = VERSION;
window.Rapporteur.attach = function (form, options) {
  return attachWith(defaults, form, options);
};

function init() {
  tags.forEach(function (tag) {
    if (tag.dataset.form === "none") return;
    var own = optionsOf(tag.dataset);
    attachWith(own, own.form);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
