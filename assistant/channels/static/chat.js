// Chat page: POST /api/chat/stream and render server-sent events as they arrive.
// No framework and nothing from the internet. The answer HTML comes from the server's Markdown
// renderer (raw HTML escaped); everything else is inserted as text.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var form = document.getElementById("ask");
  var box = document.getElementById("question");
  var send = document.getElementById("send");
  var messages = document.getElementById("messages");
  var thread = messages.getAttribute("data-thread") || "";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function bubble(role) {
    var wrap = el("div", "msg " + role);
    var b = el("div", "bubble" + (role === "assistant" ? " answer" : ""));
    wrap.appendChild(b);
    messages.appendChild(wrap);
    wrap.scrollIntoView({block: "end"});
    return b;
  }

  function cell(v) {
    var text = v === null || v === undefined ? "" : String(v);
    var td = el("td", "", text.length > 160 ? text.slice(0, 157) + "…" : text);
    if (text.length > 160) td.title = text;
    return td;
  }

  function table(t) {
    // document passages are already quoted in the answer: keep their table folded
    var folded = /^search_documents/.test(t.title || "");
    var wrap = el(folded ? "details" : "div", "scroll");
    if (t.title) wrap.appendChild(el(folded ? "summary" : "p", "table-title", t.title + (folded ? " (" + (t.rows || []).length + " rows)" : "")));
    var tbl = el("table", "rows");
    var head = el("tr");
    (t.columns || []).forEach(function (c) { head.appendChild(el("th", "", String(c).replace(/_/g, " "))); });
    var thead = el("thead"); thead.appendChild(head); tbl.appendChild(thead);
    var body = el("tbody");
    (t.rows || []).forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (v) { tr.appendChild(cell(v)); });
      body.appendChild(tr);
    });
    tbl.appendChild(body); wrap.appendChild(tbl);
    return wrap;
  }

  function renderFinal(target, ev) {
    var r = ev.result || {};
    target.innerHTML = ev.html || "";
    if (!/<table/.test(ev.html || "") && r.tables && r.tables.length) {
      r.tables.forEach(function (t) { target.appendChild(table(t)); });
    }
    if (r.proposals && r.proposals.length) {
      var ul = el("ul", "proposals");
      r.proposals.forEach(function (p) {
        var li = el("li");
        var a = el("a", "", "Proposal " + (p.id || "") + (p.kind ? " (" + String(p.kind).replace(/_/g, " ") + ")" : ""));
        a.href = "/approvals?tab=mine#proposal-" + encodeURIComponent(p.id || "");
        li.appendChild(a);
        if (p.state) li.appendChild(el("span", "state", " " + p.state));
        ul.appendChild(li);
      });
      target.appendChild(ul);
    }
    if (r.citations && r.citations.length) {
      var cl = el("ul", "citations");
      r.citations.forEach(function (c) {
        var li = el("li");
        var label = (c.title || c.id || "source") + (c.section ? " — " + c.section : "") + (c.page ? " (p. " + c.page + ")" : "");
        if (c.href) { var a = el("a", "", label); a.href = c.href; li.appendChild(a); }
        else { li.textContent = label; }
        cl.appendChild(li);
      });
      target.appendChild(cl);
    }
    if (r.tool_calls && r.tool_calls.length) {
      var d = el("details", "tools");
      d.appendChild(el("summary", "", r.tool_calls.length + " tool call(s) · " + r.brain));
      r.tool_calls.forEach(function (c) {
        d.appendChild(el("div", "tool" + (c.ok ? "" : " failed"), c.name + " · " + Math.round(c.ms || 0) + " ms · " + (c.rpc_calls || 0) + " RPC"));
      });
      target.appendChild(d);
    }
    target.setAttribute("data-done", "1");
  }

  function handle(ev, target, status) {
    if (ev.type === "thread") {
      thread = ev.thread_id;
      messages.setAttribute("data-thread", thread);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "/chat?thread=" + encodeURIComponent(thread));
      }
    } else if (ev.type === "status") {
      status.textContent = ev.text || ev.message || ev.status || "working…";
    } else if (ev.type === "token") {
      if (status.parentNode) status.parentNode.removeChild(status);
      target.appendChild(document.createTextNode(ev.text || ev.token || ""));
    } else if (ev.type === "final") {
      renderFinal(target, ev);
    } else if (ev.type === "error") {
      target.textContent = ev.message || "The answer failed.";
      target.classList.add("error");
      target.setAttribute("data-done", "1");
    }
  }

  async function ask(text) {
    var hint = document.getElementById("hint");
    if (hint) hint.remove();
    bubble("user").textContent = text;
    var target = bubble("assistant");
    var status = el("span", "status", "working…");
    target.appendChild(status);
    var resp;
    try {
      resp = await fetch("/api/chat/stream", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": csrf},
        body: JSON.stringify(thread ? {message: text, thread_id: thread} : {message: text})
      });
    } catch (e) {
      target.textContent = "Cannot reach the server: " + e; target.classList.add("error"); return;
    }
    if (resp.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname + location.search); return; }
    if (!resp.ok) {
      var msg = "HTTP " + resp.status;
      try { var j = await resp.json(); msg = j.message || msg; } catch (e) { /* not JSON */ }
      target.textContent = msg; target.classList.add("error"); target.setAttribute("data-done", "1"); return;
    }
    var reader = resp.body.getReader();
    var decoder = new TextDecoder();
    var buf = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buf += decoder.decode(chunk.value, {stream: true});
      var idx;
      while ((idx = buf.indexOf("\n\n")) >= 0) {
        var frame = buf.slice(0, idx); buf = buf.slice(idx + 2);
        var data = frame.split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
          .map(function (l) { return l.slice(5).trim(); }).join("\n");
        if (!data) continue;
        try { handle(JSON.parse(data), target, status); } catch (e) { /* skip a malformed frame */ }
      }
    }
    target.scrollIntoView({block: "end"});
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = box.value.trim();
    if (!text) return;
    box.value = ""; send.disabled = true;
    ask(text).finally(function () { send.disabled = false; box.focus(); });
  });
  // a reopened thread opens at its latest answer, not at the top
  var last = messages.querySelector(".msg:last-child");
  if (last) last.scrollIntoView({block: "end"});

  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : send.click(); }
  });
})();
