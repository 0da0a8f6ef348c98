// The OpenC2 page's script: as a command is typed, it asks the console
// whether the codec takes it and shows the codec's error with its JSON
// path. Text is set as text, never as HTML.
"use strict";

function checkAsTyped() {
  const form = document.querySelector("form[data-check]");
  if (!form) return;
  const field = form.elements.command;
  const out = document.getElementById("check");
  let timer = 0;
  let asked = 0;
  async function check() {
    const n = ++asked;
    const body = new URLSearchParams({ command: field.value });
    let answer;
    try {
      const r = await fetch(form.dataset.check, {
        method: "POST",
        headers: { "X-CSRF-Token": form.elements.csrf.value },
        body,
      });
      if (!r.ok) throw new Error("the console answered " + r.status);
      answer = await r.json();
    } catch (e) {
      answer = { valid: false, message: "could not check the command: " + e.message };
    }
    if (n !== asked) return; // a later check is under way
    show(answer);
  }
  function show(a) {
    const span = document.createElement("span");
    if (a.valid) {
      span.className = "ok";
      span.textContent = "Valid command: " + a.command;
    } else {
      span.className = "error";
      span.textContent = (a.path ? a.path + ": " : "") + a.message;
    }
    out.replaceChildren(span);
    field.setAttribute("aria-invalid", a.valid ? "false" : "true");
  }
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
}

document.addEventListener("DOMContentLoaded", checkAsTyped);
