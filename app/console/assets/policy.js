// The editor's script: it checks the entity as it is typed, posting the
// text to the console (with the session's CSRF token) a moment after the
// last key, and shows the loader's problems with their lines and columns.
// Text is set as text, never as HTML.
"use strict";

function startEditor() {
  const text = document.querySelector("textarea[data-check]");
  if (!text) return;
  const csrf = text.form.querySelector('input[name="csrf"]').value;
  const message = document.getElementById("check-message");
  const list = document.getElementById("check-problems");
  let timer = 0;
  let asked = 0;
  const check = async () => {
    const n = ++asked;
    const body = new URLSearchParams({ text: text.value });
    let res;
    try {
      res = await fetch(text.dataset.check, {
        method: "POST",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        body,
      });
    } catch (e) {
      if (n === asked) show(false, "The check failed: " + e.message, []);
      return;
    }
    if (n !== asked) return; // a later check is under way
    let out;
    try {
      out = await res.json();
    } catch (e) {
      show(false, "The check failed: " + res.status + " " + res.statusText, []);
      return;
    }
    const lines = (out.problems || []).map((p) => [p, "message", ""]).concat((out.warnings || []).map((p) => [p, "warning", "warning: "]));
    show(out.ok, out.message, lines);
  };
  const show = (ok, msg, lines) => {
    message.className = ok ? "ok" : "error";
    message.textContent = msg || "";
    list.replaceChildren(...lines.map(([p, cls, prefix]) => {
      const li = document.createElement("li");
      li.className = cls;
      let where = "";
      if (p.line) where = "line " + p.line + (p.col ? ", column " + p.col : "") + ": ";
      li.textContent = where + prefix + p.text;
      return li;
    }));
  };
  text.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
}

document.addEventListener("DOMContentLoaded", startEditor);
