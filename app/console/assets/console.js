// The console's script: it keeps the overview up to date from the
// server-sent events of /ui/events. Values are set as text, never as
// HTML.
"use strict";

function updateOverview(d) {
  for (const el of document.querySelectorAll("[data-field]")) {
    const key = el.dataset.field;
    if (key === "ready") {
      el.textContent = d.ready ? "ready" : "loading plugins";
    } else if (key in d) {
      el.textContent = String(d[key]);
    }
  }
  fillList("commands", d.commands, (c) => [c.seq, c.received, c.command, c.status, c.state], (c) => c.failed);
  fillList("decisions", d.decisions, (e) => [e.time, e.source, e.policy_set, e.result], (e) => e.denied);
}

// fillList replaces the rows of the table body data-list=name with one row
// of cells(item) for each item, marked failed when failed(item).
function fillList(name, items, cells, failed) {
  const list = document.querySelector(`[data-list="${name}"]`);
  if (!list || !Array.isArray(items)) return;
  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    if (failed(item)) tr.className = "failed";
    for (const v of cells(item)) {
      const td = document.createElement("td");
      td.textContent = String(v);
      tr.appendChild(td);
    }
    return tr;
  });
  list.replaceChildren(...rows);
  const empty = document.querySelector(`[data-empty="${name}"]`);
  if (empty) empty.hidden = rows.length > 0;
}

function live() {
  if (!document.querySelector('[data-live="overview"]')) return;
  const events = new EventSource("/ui/events");
  const note = document.querySelector('[data-field="live"]');
  events.addEventListener("overview", (e) => {
    updateOverview(JSON.parse(e.data));
    if (note) note.textContent = "Live: updated " + new Date().toLocaleTimeString() + ".";
  });
  events.addEventListener("error", () => {
    if (note) note.textContent = "Live updates paused; retrying.";
  });
}

document.addEventListener("DOMContentLoaded", live);
