/* Rapporteur: the admin page. Lists the documents of the index, sends a report to
 * POST v1/admin/documents, follows its job (v1/admin/jobs/{id}) until the new index is in service,
 * removes documents. Text only through textContent: nothing from the server is parsed as HTML. */

const KEY_STORE = "rapporteur-admin-key";
const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

function url(path) {
  return new URL(path, document.baseURI).toString();
}

function adminKey() {
  return sessionStorage.getItem(KEY_STORE) || "";
}

async function call(path, options) {
  const headers = Object.assign({ "X-API-Key": adminKey() }, (options && options.headers) || {});
  const response = await fetch(url(path), Object.assign({}, options, { headers }));
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : "Erreur " + response.status + ".";
    throw new Error(detail);
  }
  return body;
}

function say(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.className = kind || "";
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  row.appendChild(td);
}

async function refreshDocuments() {
  const list = await call("v1/documents");
  const body = $("documents").querySelector("tbody");
  body.replaceChildren();
  for (const doc of list.documents) {
    const row = document.createElement("tr");
    cell(row, doc.document_id);
    cell(row, doc.title);
    cell(row, doc.organisation);
    cell(row, doc.year);
    cell(row, doc.kind);
    const action = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Retirer";
    remove.setAttribute("aria-label", "Retirer " + doc.title);
    remove.addEventListener("click", () => removeDocument(doc.document_id, doc.title));
    action.appendChild(remove);
    row.appendChild(action);
    body.appendChild(row);
  }
  const ready = await fetch(url("readyz")).then((r) => r.json()).catch(() => null);
  $("build-id").textContent = ready && ready.build_id ? ready.build_id : "aucun";
}

function showJob(job) {
  const progress = $("progress");
  const verb = { add: "Ajout", remove: "Retrait", build: "Reconstruction" }[job.action] || "Travail";
  const what = job.document_id ? " de « " + job.document_id + " »" : " de l'index";
  if (job.status === "running") {
    say(verb + what + " : " + job.stage + "…");
    progress.hidden = false;
    progress.max = Math.max(1, job.total);
    progress.value = job.done;
  } else if (job.status === "succeeded") {
    say(verb + what + " terminé : index " + job.build_id + " en service.", "succeeded");
    progress.hidden = true;
  } else {
    say(verb + what + " en échec : " + job.error, "failed");
    progress.hidden = true;
  }
  const warnings = $("warnings");
  warnings.replaceChildren();
  for (const text of job.warnings) {
    const item = document.createElement("li");
    item.textContent = text;
    warnings.appendChild(item);
  }
}

async function follow(job) {
  showJob(job);
  while (job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await call(job.url.replace(/^\//, ""));
    showJob(job);
  }
  await refreshDocuments();
}

async function upload(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const params = new URLSearchParams({ filename: file.name });
  for (const field of ["title", "organisation", "year", "kind"]) {
    const value = $(field).value.trim();
    if (value) params.set(field, value);
  }
  say("Envoi de « " + file.name + " »…");
  try {
    const job = await call("v1/admin/documents?" + params.toString(), {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: file,
    });
    $("upload-form").reset();
    await follow(job);
  } catch (error) {
    say("Envoi refusé : " + error.message, "failed");
  }
}

async function removeDocument(id, title) {
  if (!window.confirm("Retirer « " + title + " » de l'index ?")) return;
  try {
    await follow(await call("v1/admin/documents/" + encodeURIComponent(id), { method: "DELETE" }));
  } catch (error) {
    say("Retrait refusé : " + error.message, "failed");
  }
}

async function showLastJob() {
  try {
    const jobs = await call("v1/admin/jobs");
    if (jobs.jobs.length) await follow(jobs.jobs[0]);
  } catch (error) {
    say(error.message, "failed");
  }
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORE, $("admin-key").value);
  $("admin-key").value = "";
  showLastJob();
});
$("upload-form").addEventListener("submit", upload);
refreshDocuments().catch((error) => say(error.message, "failed"));
if (adminKey()) showLastJob();
