// The ask box (home page and /ask): suggestions as you type, from /api/suggest.
// The server ranks; this file only draws its answer (textContent only) and moves through it.
// Choosing a question asks it; choosing a concept asks about it. Without JS the form still works.
(function () {
  "use strict";
  var input = document.getElementById("ask-q");
  var list = document.getElementById("ask-list");
  var form = document.getElementById("ask-form");
  if (!input || !list || !form) return;
  var options = [];
  var active = -1;
  var asking = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function draw() {
    list.replaceChildren();
    options.forEach(function (o, i) {
      var li = document.createElement("li");
      li.id = "ask-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.dataset.kind = o.kind;
      var text = document.createElement("span");
      text.textContent = o.text;
      li.appendChild(text);
      if (o.note) {
        var note = document.createElement("span");
        note.className = "type";
        note.textContent = o.note;
        li.appendChild(note);
      }
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    if (!options.length) { close(); return; }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (active >= 0) input.setAttribute("aria-activedescendant", "ask-opt-" + active);
    else input.removeAttribute("aria-activedescendant");
  }
  function refresh() {
    var text = input.value;
    var ticket = ++asking;
    if (!text.trim()) { close(); return; }
    fetch("/api/suggest?q=" + encodeURIComponent(text) + "&limit=6", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { questions: [], concepts: [] }; })
      .then(function (body) {
        if (ticket !== asking) return;
        options = body.questions.map(function (q) { return { kind: "question", text: q.text, note: "question" }; })
          .concat(body.concepts.map(function (c) { return { kind: "concept", text: c.label, note: c.type }; }));
        active = -1;
        draw();
      })
      .catch(function () { /* suggestions are a convenience: the form still works */ });
  }
  function choose(i) {
    var o = options[i];
    if (!o) return;
    if (o.text.slice(-1) === "…") { // a question's beginning: keep typing
      input.value = o.text.slice(0, -1).trim() + " ";
      input.focus();
      refresh();
      return;
    }
    input.value = o.text;
    close();
    form.submit();
  }
  input.addEventListener("input", refresh);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (list.hidden || !options.length) return;
      ev.preventDefault();
      active = (active + (ev.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
      draw();
    } else if (ev.key === "Enter" && !list.hidden && active >= 0) {
      ev.preventDefault();
      choose(active);
    } else if (ev.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
