// The front-desk page, enhanced. Without this script the forms still post into the
// preview frame and every button but Print works. With it, the page sends the forms
// itself (fetch), so it can say the truth:
// - the server cannot be reached: said in plain words, and what was typed is kept;
// - a token from before a server restart: a new one is fetched and the form sent again;
// - an appointment in the past or over a year ahead: the front desk confirms it first;
// and it adds the language filter, Print, and "Clear for next patient" (the clinic's
// defaults again). A PDF is shown from memory (a blob: address) and forgotten on Clear.
"use strict";

(() => {
  const form = document.getElementById("handout-form");
  const listForm = document.getElementById("list-form");
  const frame = document.getElementById("preview");
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");
  const filter = document.getElementById("lang-filter");
  const count = document.getElementById("lang-count");
  const langs = Array.from(document.querySelectorAll("#languages .choice"));
  const narrow = window.matchMedia("(max-width: 60rem)");
  const UNREACHABLE = "The handouts server cannot be reached: it may be stopped, or this " +
    "computer is not connected to it. What you typed is kept. Start the server (see " +
    "\u201cStarting it at the desk\u201d in the README), then press the button again.";
  let shown = null; // the blob: address of the PDF in the preview, until it is replaced

  // --- the language filter: its own name, its English name, another name, its id ---
  const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  filter.closest(".filter").hidden = false;
  const applyFilter = () => {
    const q = fold(filter.value.trim());
    let matches = 0;
    for (const item of langs) {
      const match = q === "" || fold(item.dataset.search).includes(q);
      // The chosen language stays in view, so what will be sent is always visible.
      item.dataset.match = match ? "yes" : "no";
      item.hidden = !match && !item.querySelector("input").checked;
      if (match) matches += 1;
    }
    count.textContent = q === "" ? "" :
      matches === 0 ? "No language matches." : `${matches} of ${langs.length} languages shown.`;
  };
  filter.addEventListener("input", applyFilter);
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

  // --- talking to the server ---
  const say = (where, text) => { where.textContent = text; };
  const showProblem = (box, text, lines) => {
    box.replaceChildren();
    const p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    if (lines && lines.length) {
      const list = document.createElement("ul");
      for (const line of lines) {
        const li = document.createElement("li");
        li.textContent = line;
        list.append(li);
      }
      box.append(list);
    }
    box.hidden = false;
    box.focus();
  };
  // A problem page from the server: its message, its reason and its lines.
  const readProblem = async (response) => {
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const message = doc.getElementById("problem");
    return {
      text: message ? message.textContent : `The server answered ${response.status}.`,
      reason: message ? message.dataset.reason : "",
      lines: Array.from(doc.querySelectorAll("#problem-lines li"), (li) => li.textContent),
    };
  };
  const renewToken = async () => {
    const response = await fetch("/token", {cache: "no-store"});
    if (!response.ok) throw new Error("no token");
    const token = await response.text();
    for (const input of document.querySelectorAll('input[name="csrf_token"]')) {
      input.value = token;
    }
  };
  // POST a form; a stale token is renewed once, an unlikely date confirmed once.
  const send = async (target, action, statusBox, problemBox) => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const data = new FormData(target);
      data.set("action", action);
      let response;
      try {
        response = await fetch(target.getAttribute("action"),
                                 {method: "POST", body: data, cache: "no-store"});
      } catch (error) {
        say(statusBox, "");
        showProblem(problemBox, UNREACHABLE);
        return null;
      }
      if (response.ok) return response;
      const found = await readProblem(response);
      if (found.reason === "token" && attempt === 0) {
        try { await renewToken(); continue; } catch (error) { /* shown below */ }
      }
      if (found.reason === "date" && window.confirm(
        `${found.text} Press OK to print it as it is, or Cancel to correct it.`)) {
        form.elements.confirm_date.value = "yes";
        continue;
      }
      say(statusBox, "");
      showProblem(problemBox, found.text, found.lines);
      return null;
    }
    return null;
  };
  const downloadName = (response, fallback) => {
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : fallback;
  };
  const saveBlob = (blob, name) => {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  };
  const forget = () => {
    if (shown) URL.revokeObjectURL(shown);
    shown = null;
  };

  // --- one patient's handouts ---
  form.addEventListener("input", (event) => {
    if (event.target.id === "date") form.elements.confirm_date.value = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter ? event.submitter.value : "preview";
    problem.hidden = true;
    say(status, action === "download" ? "Preparing the download…" : "Preparing the handout…");
    const response = await send(form, action, status, problem);
    if (!response) return;
    const blob = await response.blob();
    if (action === "download") {
      saveBlob(blob, downloadName(response, "handout.pdf"));
      say(status, "Downloaded: see your browser's downloads.");
      return;
    }
    forget();
    shown = URL.createObjectURL(blob);
    frame.addEventListener("load", () => {
      if (narrow.matches) frame.scrollIntoView({block: "start"});
      if (action === "print") {
        say(status, "Opening the print dialog…");
        frame.contentWindow.focus();
        frame.contentWindow.print();
      } else {
        say(status, "Preview ready.");
      }
    }, {once: true});
    frame.src = shown;
  });

  // --- the day's list ---
  const listStatus = document.getElementById("list-status");
  const listProblem = document.getElementById("list-problem");
  const listWarnings = document.getElementById("list-warnings");
  listForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    listProblem.hidden = true;
    listWarnings.hidden = true;
    say(listStatus, "Making the day list… (a few seconds for each patient)");
    const response = await send(listForm, "download", listStatus, listProblem);
    if (!response) return;
    const blob = await response.blob();
    saveBlob(blob, downloadName(response, "day-list.pdf"));
    say(listStatus, "Downloaded the day list: see your browser's downloads.");
    const warnings = JSON.parse(response.headers.get("X-Handouts-Warnings") || "[]");
    if (warnings.length) {
      showProblem(listWarnings, "Made, but check these rows:", warnings);
    }
  });

  // --- before the next patient: nothing of this one, the clinic's defaults again ---
  const clear = document.getElementById("clear");
  clear.hidden = false;
  clear.addEventListener("click", () => {
    for (const id of ["name", "date", "time", "provider"]) {
      document.getElementById(id).value = "";
    }
    form.elements.confirm_date.value = "";
    document.getElementById("large_print").checked = false;
    document.getElementById("second").value = "";
    document.getElementById(`lang-${form.dataset.defaultLang}`).checked = true;
    const stages = form.dataset.defaultStages.split(" ");
    for (const box of form.querySelectorAll('input[name="stage"]')) {
      box.checked = stages.includes(box.value);
    }
    const route = document.getElementById(`route-${form.dataset.defaultRoute}`);
    if (route) route.checked = true;
    filter.value = "";
    applyFilter();
    listForm.reset();
    forget();
    frame.src = "about:blank";
    for (const box of [problem, listProblem, listWarnings]) box.hidden = true;
    say(listStatus, "");
    say(status, "Cleared.");
    document.getElementById("name").focus();
  });
})();
