// The page of `batchbind ui`: plain JavaScript, no build step, nothing fetched from elsewhere.
// Every word comes from the server's catalogue (/api/config); every job runs on the server.
"use strict";

const $ = (sel) => document.querySelector(sel);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
let config = null;
let lang = document.documentElement.lang || "en";
let lastResultsVersion = -1;
let selectedRows = new Set();
let checked = false;

// -- words -------------------------------------------------------------------------------------

function t(key, params) {
  const table = (config && config.messages[lang]) || {};
  let text = table[key] || key;
  params = params || {};
  // {count:row|rows}: the word for one, or for any other number (as i18n.text does).
  text = text.replace(/\{(\w+):([^{}|:]*)\|([^{}|]*)\}/g, (_m, name, one, many) =>
    String(params[name]) === "1" ? one : many);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

function translate() {
  document.documentElement.lang = lang;
  $("#lang-switch").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]:not([data-i18n=''])")) {
    el.textContent = t(el.dataset.i18n);
  }
  document.title = t("ui_title");
}

// -- talking to the server ---------------------------------------------------------------------

function showError(message) {
  const box = $("#error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function call(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  let data = {};
  try { data = await response.json(); } catch (_e) { data = {}; }
  if (!response.ok) {
    showError(data.error || String(response.status));
    const error = new Error(data.error || String(response.status));
    error.status = response.status;
    throw error;
  }
  showError("");
  return data;
}

// -- step 1 and 2: the input, checked ----------------------------------------------------------

// The chosen file's name beside the page's own button (the browser's file input would speak the
// browser's language, not the page's).
function showFileName(file) {
  const name = $("#file-name");
  name.dataset.i18n = file ? "" : "ui_no_file_chosen";
  name.textContent = file ? file.name : t("ui_no_file_chosen");
}

async function upload(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    showCheck(await call("POST", "/api/input", form));
  } catch (_e) { /* shown in #error */ }
}

function showCheck(result) {
  checked = true;
  $("#check").hidden = false;
  $("#input-name").textContent = `${result.name}: ${result.rows} ${t("ui_rows")}`;
  $("#skipped-note").textContent = result.skipped_note || "";
  $("#skipped-note").hidden = !result.skipped_note;
  for (const el of document.querySelectorAll("#counts [data-count]")) {
    el.textContent = String(result.counts[el.dataset.count] || 0);
  }
  const body = $("#problems tbody");
  body.replaceChildren();
  for (const group of result.groups) {
    const tr = document.createElement("tr");
    tr.className = `problem-group outcome-${group.outcome}`;
    tr.dataset.rows = String(group.count);
    const more = group.count - group.rows.length;
    const rows = group.rows.join(", ") + (more > 0 ? ` … (+${more})` : "");
    for (const text of [group.cause, String(group.count), rows, group.hint]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  $("#all-valid").hidden = result.groups.length > 0;
  $("#run-button").disabled = false;
  loadResults();
}

// -- step 3: where -----------------------------------------------------------------------------

function fillTargets(targets, chosen) {
  const select = $("#target");
  const keep = select.value || chosen;
  select.replaceChildren();
  for (const target of targets) {
    const option = document.createElement("option");
    option.value = target.value;
    option.textContent = target.label;
    select.append(option);
  }
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

async function refreshTargets() {
  const data = await call("GET", "/api/targets");
  fillTargets(data.targets, data.target);
}

// -- step 4: the run, live ---------------------------------------------------------------------

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

let lastSnapshot = null;

function showProgress(snap) {
  lastSnapshot = snap;
  const progress = $("#progress");
  progress.dataset.state = snap.state;
  $("#progress-state").textContent = t(`ui_state_${snap.state}`);
  const counts = snap.counts || {};
  const running = snap.state === "running" || snap.state === "stopping";
  for (const el of document.querySelectorAll("#progress [data-count]")) {
    el.textContent = String(counts[el.dataset.count] || 0);
    // A running job counts what it does (a run binds, status asks, unbind undoes); once it
    // ends, the rows by outcome (unbound ones when there are any).
    const name = el.dataset.count;
    if (name === "checked" || name === "unbound") {
      el.closest("li").hidden = !(name in counts) || (!running && !counts[name]);
    } else if (name === "bound") {
      el.closest("li").hidden = running && !(name in counts);
    }
  }
  const bar = $("#progress-bar");
  bar.max = Math.max(snap.total || 0, 1);
  bar.value = snap.state === "done" ? bar.max
    : (counts.bound || 0) + (counts.checked || 0) + (counts.unbound || 0) + (counts.failed || 0);
  $("#rate").textContent = snap.rate === null || snap.rate === undefined
    ? "–" : t("ui_per_minute", { rate: snap.rate, ceiling: snap.ceiling });
  $("#throttled").textContent = String(snap.throttled || 0);
  $("#eta").textContent = duration(snap.eta_s);
  const finished = ["done", "stopped", "error"].includes(snap.state);
  $("#exit-code").textContent = finished && snap.exit_code !== null ? String(snap.exit_code) : "";
  const busy = snap.state === "running" || snap.state === "stopping";
  $("#run-button").disabled = busy || !checked;
  $("#stop-button").disabled = snap.state !== "running";
  $("#status-button").disabled = busy;
  $("#unbind-button").disabled = busy;
  const notes = $("#job-notes");
  notes.replaceChildren(...(snap.notes || []).map((note) => {
    const li = document.createElement("li");
    li.textContent = note;
    return li;
  }));
  notes.hidden = !notes.children.length;
  if (snap.error) showError(snap.error);
  if (snap.login) showLogin(snap.login);
  if (snap.results_version !== lastResultsVersion) {
    lastResultsVersion = snap.results_version;
    if (checked) loadResults();
  }
}

function showLogin(login) {
  const status = $("#login-status");
  if (login.state === "waiting" && login.url) {
    status.replaceChildren();
    const text = t("ui_login_open", { url: "" });
    status.append(document.createTextNode(text));
    const a = document.createElement("a");
    a.href = login.url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = login.url;
    status.append(a);
    if (!showLogin.opened) { showLogin.opened = login.url; window.open(login.url, "_blank", "noopener"); }
  } else if (login.state === "done") {
    if (status.dataset.done !== login.message) {
      status.dataset.done = login.message;
      status.textContent = login.message;
      $("#login-form").hidden = true;
      refreshTargets().catch(() => {});
    }
  } else if (login.state === "error") {
    status.textContent = login.message;
  }
}

function listen() {
  const source = new EventSource("/api/events");
  source.onmessage = (event) => showProgress(JSON.parse(event.data));
  source.onerror = () => { /* the browser reconnects by itself */ };
}

// -- step 5: the results -----------------------------------------------------------------------

function colour(el, outcome) {
  const pair = config && config.colours[outcome];
  if (pair) { el.style.backgroundColor = pair[0]; el.style.color = pair[1]; }
}

let shownResults = "";

async function loadResults() {
  const filter = $("#results-filter").value;
  let data;
  try { data = await call("GET", `/api/results?outcome=${encodeURIComponent(filter)}`); }
  catch (_e) { return; }
  // Built again only when something changed: a rebuild loses the table's scroll position.
  const shown = `${data.version}|${filter}|${lang}`;
  if (shown === shownResults) return;
  shownResults = shown;
  const columns = resultColumns(data);
  const head = $("#results thead tr");
  head.replaceChildren(document.createElement("th"));
  for (const column of columns) {
    const th = document.createElement("th");
    th.textContent = column.label;
    if (column.title) th.title = column.title;
    th.dataset.column = column.name;
    th.className = column.className;
    head.append(th);
  }
  const body = $("#results tbody");
  body.replaceChildren();
  for (const row of data.rows) {
    const tr = document.createElement("tr");
    tr.dataset.row = String(row.row);
    tr.dataset.outcome = row.outcome;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "select-row";
    box.value = String(row.row);
    box.checked = selectedRows.has(row.row);
    box.addEventListener("change", () => {
      if (box.checked) selectedRows.add(row.row); else selectedRows.delete(row.row);
    });
    const first = document.createElement("td");
    first.append(box);
    tr.append(first);
    for (const column of columns) {
      const td = document.createElement("td");
      const value = column.value(row);
      const text = value === null || value === undefined ? "" : String(value);
      if (column.name === "code") {
        // duplicate_exchange_account may break after an underscore (not inside a word).
        text.split("_").forEach((part, i) => {
          if (i) td.append("_", document.createElement("wbr"));
          td.append(part);
        });
      } else {
        td.textContent = text;
      }
      td.className = column.className;
      if (column.name === "outcome") colour(td, row.outcome);
      tr.append(td);
    }
    body.append(tr);
  }
  const parts = Object.entries(data.summary).filter(([, n]) => n)
    .map(([name, n]) => `${t(`counted_${name}`)} ${n}`);
  $("#summary").textContent = parts.join(", ");
  $("#shown-rows").textContent = data.rows.length < data.total
    ? t("ui_shown_rows", { shown: data.rows.length, total: data.total }) : "";
  $("#download-results").hidden = !data.download;
}

// The results table's columns, in the order a person reads a row: which row and how it went,
// whose mailbox (the team's account and user id columns, under their own headers), then what
// Feishu said and what to do, then the team's other columns.
function resultColumns(data) {
  const ours = (name, className) => ({
    name, className, label: data.headers[name].label, title: data.headers[name].title,
    value: (row) => (name === "outcome" ? t(`counted_${row.outcome}`) : row[name]),
  });
  const theirs = (i, className) => ({
    name: data.columns[i], className, label: data.columns[i], title: "",
    value: (row) => row.cells[i],
  });
  const account = ["exchange_account", "user_id"]
    .map((field) => data.fields[field]).filter((i) => i !== undefined);
  const others = data.columns.map((_c, i) => i).filter((i) => !account.includes(i));
  return [
    ours("row", "col-row"), ours("outcome", "col-outcome"),
    ...account.map((i) => theirs(i, "col-account")),
    ours("code", "col-code"), ours("msg", "col-text"), ours("hint", "col-text"),
    ours("binding_status", "col-status"),
    ...others.map((i) => theirs(i, "col-other")),
  ];
}

function openUnbind() {
  const count = selectedRows.size;
  if (!count) { showError(t("ui_unbind_none")); return; }
  // The sentence with its plural word for `count`; the number itself sits in #unbind-count.
  const sentence = t("ui_unbind_question", { count });
  const at = sentence.indexOf(String(count));
  const number = document.createElement("b");
  number.id = "unbind-count";
  number.textContent = String(count);
  $("#unbind-question").replaceChildren(
    document.createTextNode(at < 0 ? sentence + " " : sentence.slice(0, at)), number,
    document.createTextNode(at < 0 ? "" : sentence.slice(at + String(count).length)));
  $("#unbind-confirm").showModal();
}

// -- wiring ------------------------------------------------------------------------------------

async function start() {
  config = await call("GET", "/api/config");
  lang = config.lang;
  translate();
  fillTargets(config.targets, config.target);

  $("#lang-switch").addEventListener("change", async (event) => {
    lang = event.target.value;
    translate();
    if (lastSnapshot) showProgress(lastSnapshot);
    try {
      const answer = await call("POST", "/api/lang", { lang });
      if (answer.check) showCheck(answer.check);
      await refreshTargets();
    } catch (_e) { /* shown */ }
  });
  $("#file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    showFileName(file);
    if (file) upload(file);
  });
  const zone = $("#drop-zone");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    showFileName(file);
    if (file) upload(file);
  });
  $("#link-go").addEventListener("click", async () => {
    // Reading the tracker is a call to Feishu: with the token of the target chosen in step 3.
    const body = { link: $("#link-input").value, target: $("#target").value };
    try { showCheck(await call("POST", "/api/input", body)); }
    catch (_e) { /* shown */ }
  });
  $("#login-button").addEventListener("click", () => { $("#login-form").hidden = false; });
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    showLogin.opened = null;
    try { await call("POST", "/api/login", Object.fromEntries(form.entries())); }
    catch (_e) { /* shown */ }
    event.target.elements.app_secret.value = "";
  });
  $("#run-button").addEventListener("click", async () => {
    try { showProgress(await call("POST", "/api/run", { target: $("#target").value })); }
    catch (_e) { /* shown */ }
  });
  $("#stop-button").addEventListener("click", async () => {
    try { showProgress(await call("POST", "/api/stop", {})); } catch (_e) { /* shown */ }
  });
  $("#status-button").addEventListener("click", async () => {
    try { showProgress(await call("POST", "/api/status", { target: $("#target").value })); }
    catch (_e) { /* shown */ }
  });
  $("#results-filter").addEventListener("change", loadResults);
  $("#unbind-button").addEventListener("click", openUnbind);
  $("#unbind-yes").addEventListener("click", async (event) => {
    event.preventDefault();
    $("#unbind-confirm").close();
    const rows = [...selectedRows];
    const count = Number($("#unbind-count").textContent);
    try {
      showProgress(await call("POST", "/api/unbind", { target: $("#target").value, rows, count }));
      selectedRows = new Set();
    } catch (_e) { /* shown */ }
  });
  listen();
}

start().catch((error) => showError(String(error.message || error)));
