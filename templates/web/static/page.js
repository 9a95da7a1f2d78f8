// The front-desk page, enhanced: the language filter, Print, Clear for next patient,
// and problems from the server shown next to the buttons. Without this script the
// form still posts into the preview frame and every button but Print works.
"use strict";

(() => {
  const form = document.getElementById("handout-form");
  const frame = document.getElementById("preview");
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");
  const filter = document.getElementById("lang-filter");
  const count = document.getElementById("lang-count");
  const langs = Array.from(document.querySelectorAll("#languages .choice"));
  let pending = null; // the action of the last submit, until the frame has loaded

  // Find a language by its own name, its English name or its id; accents optional.
  const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  filter.closest(".filter").hidden = false;
  filter.addEventListener("input", () => {
    const q = fold(filter.value.trim());
    let shown = 0;
    for (const item of langs) {
      const match = q === "" || fold(item.dataset.search).includes(q);
      // The chosen language stays in view, so what will be sent is always visible.
      item.dataset.match = match ? "yes" : "no";
      item.hidden = !match && !item.querySelector("input").checked;
      if (match) shown += 1;
    }
    count.textContent = q === "" ? "" :
      shown === 0 ? "No language matches." : `${shown} of ${langs.length} languages shown.`;
  });
  // Enter in the filter picks the first match instead of sending the form.
  filter.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = langs.find((item) => item.dataset.match !== "no");
    if (first) {
      const radio = first.querySelector("input");
      radio.checked = true;
      radio.focus();
    }
  });

  form.addEventListener("submit", (event) => {
    pending = event.submitter ? event.submitter.value : "preview";
    problem.hidden = true;
    status.textContent = pending === "download" ? "Preparing the download…" :
      "Preparing the handout…";
  });

  frame.addEventListener("load", () => {
    const action = pending;
    pending = null;
    let doc = null;
    try { doc = frame.contentDocument; } catch (e) { doc = null; }
    const message = doc && doc.getElementById("problem");
    if (message) {
      status.textContent = "";
      problem.textContent = message.textContent;
      problem.hidden = false;
      problem.focus();
      return;
    }
    if (action === null) return;
    status.textContent = action === "print" ? "Opening the print dialog…" : "Preview ready.";
    if (action === "print") {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    }
  });

  // A download does not load the frame; say where it went once it had time to arrive.
  form.addEventListener("submit", () => {
    if (pending !== "download") return;
    setTimeout(() => {
      if (pending === "download") {
        pending = null;
        status.textContent = "Download started: see your browser's downloads.";
      }
    }, 1500);
  });

  // Before the next patient: drop what was typed and the preview that shows it.
  const clear = document.getElementById("clear");
  clear.hidden = false;
  clear.addEventListener("click", () => {
    for (const id of ["name", "date", "time", "provider"]) {
      document.getElementById(id).value = "";
    }
    document.getElementById("large_print").checked = false;
    document.getElementById("second").value = "";
    frame.src = "about:blank";
    problem.hidden = true;
    status.textContent = "Cleared.";
    document.getElementById("name").focus();
  });
})();
