// Helpdesk console (/console/helpdesk; docs/handoff.md): the queue and one conversation, live from
// /api/v1/helpdesk/stream (server-sent events), actions through the handoff JSON API. Everything
// the page shows of a conversation goes in with textContent (never as HTML).
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("hd-texts").textContent);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var lang = document.documentElement.lang === "zh-CN" ? "zh" : "en";
  var view = document.getElementById("hd-view");
  var me = view.getAttribute("data-me");
  var admin = view.getAttribute("data-admin") === "1";
  var maxText = parseInt(document.getElementById("hd-text").getAttribute("maxlength"), 10) || 4000;
  var baseTitle = document.title;
  var opened = null;  // the handoff shown on the right
  var current = null;  // its last view
  var seenWaiting = null;  // ids of waiting handoffs already announced
  var presence = "away";
  var source = null;

  function $(id) { return document.getElementById(id); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  function say(text, isError) {
    var status = $("hd-status");
    status.textContent = text || "";
    status.classList.toggle("error", !!isError);
  }
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      var context = beep.context || (beep.context = new Context());
      var tone = context.createOscillator();
      var gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.2);
    } catch (ignored) { /* no sound is not an error */ }
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": lang },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var message = (data && data.error && data.error.message) || String(response.status);
          throw new Error(message);
        }
        return data;
      });
    });
  }

  // --- the lists ---------------------------------------------------------------------------------
  function describe(h) {
    var parts = [T["language_" + h.language] || h.language, h.channel || "?",
      h.topic ? fill(T.topic, { topic: h.topic }) : T.no_topic];
    if (h.state === "waiting") {
      parts.push(fill(T.position, { position: h.position }));
      parts.push(fill(T.waited, { minutes: Math.floor((h.waiting_seconds || 0) / 60) }));
    } else if (h.claimed_by_name) {
      parts.push(fill(T["with"], { name: h.claimed_by_name }));
    }
    if (h.state !== "waiting" && h.state !== "active") { parts.push(T["state_" + h.state] || h.state); }
    return parts.join(" · ");
  }

  function renderList(id, rows) {
    var list = $("hd-" + id);
    $("hd-count-" + id).textContent = String(rows.length);
    list.textContent = "";
    if (!rows.length) { list.appendChild(element("li", T.none, "muted")); return; }
    rows.forEach(function (h) {
      var item = element("li");
      var button = element("button", null, "hd-item");
      button.type = "button";
      button.setAttribute("data-handoff", String(h.id));
      button.setAttribute("data-state", h.state);
      if (opened === h.id) { button.setAttribute("aria-current", "true"); }
      button.appendChild(element("strong", fill(T.conversation, { id: h.id })));
      button.appendChild(element("span", describe(h), "hd-meta"));
      button.addEventListener("click", function () { open(h.id); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function onQueue(snapshot) {
    ["waiting", "mine", "others", "closed"].forEach(function (id) { renderList(id, snapshot[id] || []); });
    presence = snapshot.presence;
    $("hd-presence-state").textContent = T[presence] || presence;
    var toggle = $("hd-presence-toggle");
    toggle.textContent = presence === "available" ? T.set_away : T.set_available;
    toggle.setAttribute("aria-pressed", presence === "available" ? "true" : "false");
    $("hd-available-staff").textContent = fill(T.available_staff, { count: snapshot.available_staff });
    var waiting = snapshot.waiting || [];
    document.title = waiting.length ? "(" + waiting.length + ") " + baseTitle : baseTitle;
    var ids = waiting.map(function (h) { return h.id; });
    if (seenWaiting !== null && ids.some(function (id) { return seenWaiting.indexOf(id) < 0; })) {
      beep();
      say(T.new_waiting);
    }
    seenWaiting = ids;
  }

  // --- one conversation --------------------------------------------------------------------------
  function mineToAct(h) { return h.state === "active" && (h.claimed_by === me || admin); }

  function renderMessages(listId, messages) {
    var list = $(listId);
    list.textContent = "";
    (messages || []).forEach(function (m) {
      var who = m.from === "note" ? (m.staff || "") : (T["from_" + m.from] || m.from);
      var item = element("li", null, "hd-msg hd-from-" + m.from);
      item.appendChild(element("span", who, "hd-who"));
      item.appendChild(element("span", m.text, "hd-text"));
      if (m.at) { item.appendChild(element("time", m.at.replace("T", " ").slice(0, 16), "muted")); }
      list.appendChild(item);
    });
    list.scrollTop = list.scrollHeight;
  }

  function onHandoff(h) {
    if (h.id !== opened) { return; }
    var first = !current || current.id !== h.id;
    current = h;
    $("hd-empty").hidden = true;
    $("hd-conversation").hidden = false;
    $("hd-view-title").textContent = fill(T.conversation, { id: h.id });
    $("hd-f-state").textContent = (T["state_" + h.state] || h.state) +
      (h.claimed_by_name ? " · " + fill(T["with"], { name: h.claimed_by_name }) : "");
    $("hd-f-language").textContent = T["language_" + h.language] || h.language;
    $("hd-f-channel").textContent = h.channel || "?";
    var cases = $("hd-cases");
    cases.textContent = "";
    if (!h.cases.length) { cases.appendChild(element("li", T.no_cases, "muted")); }
    h.cases.forEach(function (c) {
      var link = element("a", fill(T.case_link, { number: c.number, state: T["case_" + c.state] || c.state }));
      link.href = "/console/cases/" + encodeURIComponent(c.number);
      var item = element("li");
      item.appendChild(link);
      cases.appendChild(item);
    });
    $("hd-draft").textContent = h.draft ? fill(T.draft, { items: (h.draft.names || h.draft.items).join(", ") }) : "";
    renderMessages("hd-transcript", h.messages);
    renderMessages("hd-notes", h.notes);
    var acting = mineToAct(h);
    $("hd-claim").disabled = h.state !== "waiting";
    $("hd-release").disabled = !acting;
    $("hd-close").disabled = !(acting || h.state === "waiting");
    $("hd-reason").disabled = $("hd-close").disabled;
    $("hd-send").disabled = !acting;
    $("hd-text").disabled = !acting;
    $("hd-transfer").disabled = !acting;
    if (first) { $("hd-view-title").focus(); }
  }

  function open(id) {
    opened = id;
    current = null;
    if (window.history && window.history.replaceState) { window.history.replaceState(null, "", "#handoff-" + id); }
    connect();
  }

  // --- the stream --------------------------------------------------------------------------------
  function connect() {
    if (source) { source.close(); }
    source = new EventSource("/api/v1/helpdesk/stream" + (opened ? "?open=" + opened : ""));
    source.addEventListener("queue", function (event) { onQueue(JSON.parse(event.data)); });
    source.addEventListener("handoff", function (event) { onHandoff(JSON.parse(event.data)); });
    source.addEventListener("gone", function () { say(T.gone, true); });
    source.addEventListener("open", function () { if ($("hd-status").textContent === T.offline) { say(""); } });
    source.addEventListener("error", function () { say(T.offline, true); });
  }

  // --- actions -----------------------------------------------------------------------------------
  function act(path, body, done) {
    return api("POST", path, body).then(function (data) {
      say(done || T.done);
      return data;
    }).catch(function (error) { say(error.message, true); });
  }

  $("hd-claim").addEventListener("click", function () {
    if (opened) { act("/api/v1/handoffs/" + opened + "/claim"); }
  });
  $("hd-release").addEventListener("click", function () {
    if (opened) { act("/api/v1/handoffs/" + opened + "/release"); }
  });
  $("hd-close").addEventListener("click", function () {
    var reason = $("hd-reason").value;
    if (!reason) { say(T.reason_required, true); $("hd-reason").focus(); return; }
    if (opened) { act("/api/v1/handoffs/" + opened + "/close", { reason: reason }); }
  });
  $("hd-presence-toggle").addEventListener("click", function () {
    act("/api/v1/helpdesk/presence", { presence: presence === "available" ? "away" : "available" });
  });
  $("hd-canned").addEventListener("change", function () {
    var option = this.options[this.selectedIndex];
    if (option && option.value) {
      var text = option.getAttribute("data-" + ((current && current.language) || lang));
      var box = $("hd-text");
      var at = box.selectionStart || box.value.length;
      box.value = box.value.slice(0, at) + text + box.value.slice(at);
      box.focus();
    }
    this.selectedIndex = 0;
  });
  $("hd-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("hd-reply-form").requestSubmit ? $("hd-reply-form").requestSubmit() : $("hd-send").click();
    }
  });
  $("hd-reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("hd-text");
    var text = box.value.trim();
    if (!text || text.length > maxText) { say(T.message_empty, true); box.focus(); return; }
    var note = $("hd-as-note").checked;
    api("POST", "/api/v1/handoffs/" + opened + "/messages", { text: text, note: note }).then(function (data) {
      box.value = "";  // only once it is saved: a refused message stays in the box
      say(note ? T.note_saved : (data.delivered === false ? T.not_delivered : T.sent));
      box.focus();
    }).catch(function (error) { say(error.message, true); });
  });
  $("hd-transfer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var to = $("hd-transfer-to").value;
    if (!to) { say(T.choose_colleague, true); return; }
    act("/api/v1/handoffs/" + opened + "/transfer", { to: to, note: $("hd-transfer-note").value }).then(function (data) {
      if (data) { $("hd-transfer-note").value = ""; }
    });
  });

  var fromHash = /^#handoff-(\d+)$/.exec(window.location.hash);
  if (fromHash) { opened = parseInt(fromHash[1], 10); }
  connect();
})();
