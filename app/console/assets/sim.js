// The simulation page's script: it steps through a run's replay, moving
// the actors' markers from box to box of the drawing, fading what an
// actor holds where it lay, and shows what each actor holds, the tick's
// steps and the log lines written so far. It also
// selects in the pasted model the place of an error. Text is set as
// text, never as HTML.
"use strict";

// markerOffset is where the k-th actor's marker at a location is centred,
// from the top right corner of its box, as draw.MarkerOffset says.
function markerOffset(k) {
  return [-24 - k * 14, 0];
}

// maxLogLines is how many of the latest log lines the page shows.
const maxLogLines = 200;

function replay() {
  const data = document.getElementById("replay-data");
  const svg = document.querySelector("#drawing svg");
  if (!data || !svg) return;
  const r = JSON.parse(data.textContent);
  const boxes = new Map();
  for (const g of svg.querySelectorAll("g.location")) {
    boxes.set(g.dataset.location, g.querySelector("rect"));
  }
  const things = svg.querySelectorAll("g.possessible");
  const markers = new Map();
  for (const g of svg.querySelectorAll("g.actor")) markers.set(g.dataset.actor, g);
  const slider = document.getElementById("replay-tick");
  const now = document.getElementById("replay-now");
  const rows = document.querySelector("#replay-actors tbody");
  const steps = document.getElementById("replay-steps");
  const log = document.getElementById("replay-log");
  const drawing = document.getElementById("drawing");
  slider.max = String(r.frames.length - 1);

  // follow scrolls the drawing to a marker out of its view.
  function follow(g) {
    const box = drawing.getBoundingClientRect();
    const m = g.getBoundingClientRect();
    if (m.left < box.left || m.right > box.right || m.top < box.top || m.bottom > box.bottom) {
      drawing.scrollLeft += m.left - box.left - box.width / 2;
      drawing.scrollTop += m.top - box.top - box.height / 2;
    }
  }

  function cell(tr, text) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }
  function lines(list, items) {
    list.replaceChildren(...items.map((t) => {
      const li = document.createElement("li");
      li.textContent = t;
      return li;
    }));
  }
  function show(i) {
    const f = r.frames[i];
    now.textContent = f.tick < 0 ? "start" : "tick " + f.tick;
    const count = new Map();
    const trs = [];
    let moved = null;
    r.actors.forEach((name, a) => {
      const loc = f.at[a];
      const box = boxes.get(loc);
      const g = markers.get(name);
      if (box && g) {
        const k = count.get(loc) || 0;
        count.set(loc, k + 1);
        const [dx, dy] = markerOffset(k);
        const x = Number(box.getAttribute("x")) + Number(box.getAttribute("width")) + dx;
        const y = Number(box.getAttribute("y")) + dy;
        g.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
        if (g.dataset.at !== loc && !moved) moved = g;
        g.dataset.at = loc;
      }
      const tr = document.createElement("tr");
      cell(tr, name);
      cell(tr, r.agents[a] || "");
      cell(tr, loc);
      cell(tr, f.holds[a].length ? f.holds[a].join(", ") : "nothing");
      trs.push(tr);
    });
    rows.replaceChildren(...trs);
    const held = new Set(f.holds.flat());
    for (const g of things) g.classList.toggle("taken", held.has(g.dataset.possessible));
    if (moved) follow(moved);
    lines(steps, f.steps.length ? f.steps : ["(none)"]);
    const written = [];
    for (let j = Math.max(0, i); j >= 0 && written.length < maxLogLines; j--) {
      for (let n = r.frames[j].log.length - 1; n >= 0 && written.length < maxLogLines; n--) {
        written.push(r.frames[j].log[n]);
      }
    }
    written.reverse();
    lines(log, written.length ? written : ["(nothing logged yet)"]);
    if (written.length) log.lastElementChild.scrollIntoView({ block: "nearest" });
  }
  function go(i) {
    const n = Math.min(Math.max(i, 0), r.frames.length - 1);
    slider.value = String(n);
    show(n);
    return n;
  }
  slider.addEventListener("input", () => show(Number(slider.value)));
  document.getElementById("replay-back").addEventListener("click", () => go(Number(slider.value) - 1));
  document.getElementById("replay-next").addEventListener("click", () => go(Number(slider.value) + 1));
  let timer = null;
  const play = document.getElementById("replay-play");
  play.addEventListener("click", () => {
    if (timer) {
      clearInterval(timer);
      timer = null;
      play.textContent = "Play";
      return;
    }
    if (Number(slider.value) >= r.frames.length - 1) go(0);
    play.textContent = "Pause";
    timer = setInterval(() => {
      if (go(Number(slider.value) + 1) >= r.frames.length - 1) play.click();
    }, 400);
  });
  show(0);
}

// focus scrolls the drawing to the location its data-focus names.
function focus() {
  const drawing = document.getElementById("drawing");
  if (!drawing || !drawing.dataset.focus) return;
  for (const g of drawing.querySelectorAll("g.location")) {
    if (g.dataset.location !== drawing.dataset.focus) continue;
    const box = drawing.getBoundingClientRect();
    const r = g.getBoundingClientRect();
    drawing.scrollLeft += r.left - box.left - box.width / 3;
    drawing.scrollTop += r.top - box.top - box.height / 3;
    return;
  }
}

// errorPlaces makes each error's place select that place in the pasted
// model. Columns count characters, as the model language's do.
function errorPlaces() {
  const text = document.getElementById("text");
  for (const b of document.querySelectorAll("button.place")) {
    b.addEventListener("click", () => {
      const line = Number(b.dataset.line);
      const col = Number(b.dataset.col);
      const ls = text.value.split("\n");
      let at = 0;
      for (let i = 0; i < line - 1 && i < ls.length; i++) at += ls[i].length + 1;
      at += Array.from((ls[line - 1] || "")).slice(0, col - 1).join("").length;
      text.focus();
      text.setSelectionRange(at, at + 1);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  focus();
  replay();
  errorPlaces();
});
