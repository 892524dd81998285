/* Rapporteur: the filters (organisation, year, type of document) and their counts, from GET v1/documents.
 *
 * Each option shows how many documents it leaves given the other active filters; an option that leaves
 * none stays listed, disabled. A value from the address that the index does not hold stays selectable.
 */

import { fetchJson } from "../api.js";
import { els, state } from "../page.js";
import { clear, formatNumber, h, plural } from "../text.js";
import { FILTERS } from "../url-state.js";

const FILTER_ALL = { organisation: "Toutes", year: "Toutes", kind: "Tous" };

const facets = { documents: null, counts: null, loaded: false, loading: null };

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

/** Load the facets once (again after a failure), then render the filters. */
export function loadFacets() {
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

/** The three selects for the current state, the "clear" button and the count of active filters. */
export function renderFilters() {
  var current = state.current;
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
