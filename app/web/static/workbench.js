// The page view: a zoomable facsimile with the line zones, the transcription beside it, and corrections
// (characters, punctuation, translations) saved together with the page's version. Plain JavaScript.
"use strict";

(function () {
  const ws = document.getElementById("workspace");
  if (!ws) return;
  const editor = document.getElementById("editor");
  const typed = document.getElementById("typed");
  const status = document.getElementById("status");
  const conflictBox = document.getElementById("conflict");
  const storageKey = `wenyuan:${ws.dataset.book}:${ws.dataset.page}`;
  const edits = new Map(); // "line\u0000index" -> text
  let selected = null;

  // --- facsimile: zoom with the buttons or Ctrl+wheel, pan by scrolling ---------------------------------
  const viewport = document.getElementById("viewport");
  const canvas = document.getElementById("canvas");
  const pageWidth = parseFloat(canvas.style.width);
  let scale = Math.min(1, viewport.clientWidth / pageWidth) || 1;
  function zoom(factor) {
    scale = Math.max(0.05, Math.min(8, scale * factor));
    canvas.style.transform = `scale(${scale})`;
    canvas.parentElement.style.setProperty("--scaled-w", `${pageWidth * scale}px`);
  }
  zoom(1);
  document.getElementById("zoom-in").addEventListener("click", () => zoom(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(0.8));
  viewport.addEventListener("wheel", (e) => {
    if (e.ctrlKey) {
      e.preventDefault();
      zoom(e.deltaY < 0 ? 1.1 : 0.9);
    }
  }, { passive: false });

  // --- characters ----------------------------------------------------------------------------------------
  const chars = Array.from(document.querySelectorAll("#text .ch"));
  const lineOf = (span) => span.closest(".line").dataset.line;

  function select(span) {
    if (selected) selected.classList.remove("selected");
    document.querySelectorAll(".zone.active").forEach((z) => z.classList.remove("active"));
    selected = span;
    if (!span) {
      editor.hidden = true;
      return;
    }
    span.classList.add("selected");
    span.focus({ preventScroll: false });
    const zone = document.getElementById(`zone-${lineOf(span)}`);
    if (zone) zone.classList.add("active");
    const alts = editor.querySelector(".alts");
    alts.textContent = "";
    JSON.parse(span.dataset.alts || "[]").slice(0, 5).forEach(([text, p], k) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "alt";
      b.textContent = `${k + 1} ${text} ${(p * 100).toFixed(0)}%`;
      b.addEventListener("click", () => correct(span, text));
      alts.appendChild(b);
    });
    typed.value = "";
    const r = span.getBoundingClientRect();
    editor.style.left = `${window.scrollX + r.left}px`;
    editor.style.top = `${window.scrollY + r.bottom + 4}px`;
    editor.hidden = false;
  }

  function correct(span, text) {
    if (!text || Array.from(text).length !== 1) return;
    span.textContent = text;
    const key = `${lineOf(span)}\u0000${span.dataset.i}`;
    edits.set(key, text);
    span.classList.add("edited");
    span.classList.remove("doubtful");
    remember();
    select(span);
  }

  chars.forEach((span) => span.addEventListener("click", () => select(span)));
  typed.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && selected) {
      e.preventDefault();
      correct(selected, typed.value.trim());
      selected.focus();
    }
    e.stopPropagation();
  });
  document.getElementById("restore").addEventListener("click", () => {
    if (selected) correct(selected, selected.dataset.machine);
  });

  function step(direction) {
    const doubtful = chars.filter((c) => c.classList.contains("doubtful"));
    if (!doubtful.length) return;
    let k = selected ? doubtful.indexOf(selected) : -1;
    if (k < 0 && selected) {
      k = direction > 0 ? doubtful.findIndex((c) => chars.indexOf(c) > chars.indexOf(selected)) - 1 : doubtful.length;
    }
    select(doubtful[(k + direction + doubtful.length) % doubtful.length]);
  }

  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      e.preventDefault();
      save();
      return;
    }
    if (e.target.matches("input, textarea")) return;
    if (e.key === "n" || e.key === "j") step(1);
    else if (e.key === "p" || e.key === "k") step(-1);
    else if (e.key === "Escape") select(null);
    else if (e.key === "Enter" && selected) {
      e.preventDefault();
      typed.focus();
    } else if (/^[1-5]$/.test(e.key) && selected) {
      const alt = JSON.parse(selected.dataset.alts || "[]")[Number(e.key) - 1];
      if (alt) correct(selected, alt[0]);
    }
  });

  // --- unsaved work survives a reload or a conflict ------------------------------------------------------
  function remember() {
    localStorage.setItem(storageKey, JSON.stringify({ version: ws.dataset.version, body: body() }));
  }
  document.querySelectorAll("#sentences input, #sentences textarea").forEach((el) => el.addEventListener("input", remember));

  function body() {
    const chars = Array.from(edits, ([key, text]) => {
      const [line, index] = key.split("\u0000");
      return { line, index: Number(index), text };
    });
    const punctuation = {};
    const translations = {};
    document.querySelectorAll("#sentences .sentence").forEach((s) => {
      const p = s.querySelector(".punctuated");
      const t = s.querySelector(".translation");
      if (p.value !== p.dataset.original) punctuation[s.dataset.sentence] = p.value;
      if (t.value !== t.dataset.original) translations[s.dataset.sentence] = t.value;
    });
    return { version: Number(ws.dataset.version), chars, punctuation, translations };
  }

  // A draft left by a reload, a conflict or a closed tab comes back on top of the page as saved now.
  function restore() {
    let draft = null;
    try {
      draft = JSON.parse(localStorage.getItem(storageKey) || "null");
    } catch (e) {
      draft = null;
    }
    if (!draft || !draft.body) return;
    const b = draft.body;
    (b.chars || []).forEach(({ line, index, text }) => {
      const span = document.querySelector(`.line[data-line="${CSS.escape(line)}"] .ch[data-i="${Number(index)}"]`);
      if (!span || span.textContent === text) return;
      span.textContent = text;
      edits.set(`${line}\u0000${index}`, text);
      span.classList.add("edited");
      span.classList.remove("doubtful");
    });
    for (const [field, values] of [["punctuated", b.punctuation], ["translation", b.translations]]) {
      Object.entries(values || {}).forEach(([sid, value]) => {
        const el = document.querySelector(`.sentence[data-sentence="${CSS.escape(sid)}"] .${field}`);
        if (el) el.value = value;
      });
    }
    status.textContent = ws.dataset.msgRestored;
    const discard = cell("button", ws.dataset.msgDiscard);
    discard.type = "button";
    discard.addEventListener("click", () => {
      localStorage.removeItem(storageKey);
      saving = true;
      window.location.reload();
    });
    status.appendChild(discard);
  }

  let saving = false;
  window.addEventListener("beforeunload", (e) => {
    const b = body();
    if (!saving && (b.chars.length || Object.keys(b.punctuation).length || Object.keys(b.translations).length)) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  // --- saving --------------------------------------------------------------------------------------------
  async function save() {
    status.textContent = "…";
    const response = await fetch(window.location.pathname, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": ws.dataset.csrf },
      body: JSON.stringify(body()),
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({ error: response.statusText }));
    if (response.ok) {
      localStorage.removeItem(storageKey);
      saving = true;
      window.location.assign(`${window.location.pathname}?saved=${answer.version}`);
    } else if (response.status === 409) {
      showConflict(answer);
    } else {
      status.textContent = answer.error || response.statusText;
      status.className = "error";
    }
  }
  document.getElementById("save").addEventListener("click", save);

  function cell(tag, text, cls) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }

  function showConflict(answer) {
    const mine = body();
    conflictBox.textContent = "";
    conflictBox.appendChild(cell("p", ws.dataset.msgConflict));
    const table = document.createElement("table");
    const head = document.createElement("tr");
    head.append(cell("th", ""), cell("th", ws.dataset.msgTheirs), cell("th", ws.dataset.msgYours));
    table.appendChild(head);
    const lines = new Set(mine.chars.map((c) => c.line));
    lines.forEach((line) => {
      const row = document.createElement("tr");
      const yours = document.querySelector(`.line[data-line="${CSS.escape(line)}"]`);
      row.append(cell("td", line), cell("td", answer.current.lines[line] || "", "theirs"),
        cell("td", Array.from(yours.querySelectorAll(".ch"), (c) => c.textContent).join(""), "yours"));
      table.appendChild(row);
    });
    const sentences = new Set([...Object.keys(mine.punctuation), ...Object.keys(mine.translations)]);
    sentences.forEach((sid) => {
      const theirs = answer.current.sentences[sid] || {};
      const el = document.querySelector(`.sentence[data-sentence="${CSS.escape(sid)}"]`);
      const row = document.createElement("tr");
      row.append(cell("td", sid), cell("td", `${theirs.punctuated || ""} / ${theirs.translation || ""}`, "theirs"),
        cell("td", `${el.querySelector(".punctuated").value} / ${el.querySelector(".translation").value}`, "yours"));
      table.appendChild(row);
    });
    conflictBox.appendChild(table);
    const reload = cell("a", ws.dataset.msgReload);
    reload.href = window.location.pathname;
    reload.addEventListener("click", () => { saving = true; }); // the draft is kept and comes back on top
    conflictBox.appendChild(reload);
    conflictBox.hidden = false;
    remember();
    status.textContent = "";
  }

  restore();
})();
