// The embeddable chat widget (issue #13, docs/channels.md "Web widget").
// Built by scripts/build_widget.py into backend/static/widget.bundle.js together with the
// vendored socket.io client and DOMPurify (widget/vendor/); the backend serves it at
// /widget.js with CONFIG filled in at request time (texts from texts/widget.yml, Rasa's URL).
// Everything the bot sends is escaped, then the few tags we build (links, lists, line
// breaks) pass DOMPurify with an allow-list: no HTML of a message is ever executed.
/* global io, DOMPurify, CONFIG, SCRIPT */
(function () {
  "use strict";
  if (window.__kbWidgetLoaded) { return; }
  window.__kbWidgetLoaded = true;

  var LANGS = ["en", "zh"];
  var STORE = "kbw:" + CONFIG.socketUrl; // one conversation per browser and assistant
  var HISTORY_LIMIT = 60;
  var TYPING_MS = 20000;
  var purifier = DOMPurify(window);
  purifier.addHook("afterSanitizeAttributes", function (node) {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });

  var script = SCRIPT || document.querySelector("script[src*='widget.js']");
  var scriptUrl = new URL(script && script.src ? script.src : "/widget.js", location.href);

  function pageLang() {
    var wanted = (script && script.getAttribute("data-lang")) || document.documentElement.lang || "";
    wanted = wanted.toLowerCase();
    return wanted.indexOf("zh") === 0 ? "zh" : "en";
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  function save(patch) {
    var state = load();
    Object.keys(patch).forEach(function (k) { state[k] = patch[k]; });
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: this tab only */ }
    return state;
  }

  var state = load();
  var lang = LANGS.indexOf(state.lang) >= 0 ? state.lang : pageLang();
  var history = Array.isArray(state.history) ? state.history : [];
  var unread = 0;

  function text(key, params) {
    var entry = CONFIG.texts[key] || {};
    var value = entry[lang] || entry.en || key;
    Object.keys(params || {}).forEach(function (k) { value = value.split("{" + k + "}").join(String(params[k])); });
    return value;
  }

  // --- rendering of a message: escaped text, links, line breaks, simple lists ----------
  var URL_RE = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/g;
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function linkify(line) {
    var out = "", last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(line)) !== null) {
      var url = m[0].replace(/[.,;:!?'")\]]+$/, "");
      out += escapeHtml(line.slice(last, m.index));
      out += '<a href="' + escapeHtml(url) + '">' + escapeHtml(url) + "</a>";
      last = m.index + url.length;
      URL_RE.lastIndex = last;
    }
    return out + escapeHtml(line.slice(last));
  }
  var BULLET = /^\s*(?:[-*•·]|\u2022)\s+(.*)$/;
  var NUMBERED = /^\s*\d{1,2}[.)、]\s*(.*)$/;
  function formatted(raw) {
    var blocks = [], list = null;
    String(raw || "").split(/\r?\n/).forEach(function (line) {
      var b = BULLET.exec(line), n = NUMBERED.exec(line);
      var kind = b ? "ul" : n ? "ol" : null;
      if (kind) {
        if (!list || list.kind !== kind) { list = { kind: kind, items: [] }; blocks.push(list); }
        list.items.push(linkify((b || n)[1]));
        return;
      }
      list = null;
      blocks.push({ line: line.trim() ? linkify(line) : "" });
    });
    var html = "", pending = [];
    function flush() { if (pending.length) { html += "<p>" + pending.join("<br>") + "</p>"; pending = []; } }
    blocks.forEach(function (block) {
      if (block.kind) {
        flush();
        html += "<" + block.kind + ">" + block.items.map(function (i) { return "<li>" + i + "</li>"; }).join("") + "</" + block.kind + ">";
      } else if (block.line === "") {
        flush();
      } else {
        pending.push(block.line);
      }
    });
    flush();
    return purifier.sanitize(html, {
      ALLOWED_TAGS: ["a", "br", "p", "ul", "ol", "li"],
      ALLOWED_ATTR: ["href", "target", "rel"],
      ALLOWED_URI_REGEXP: /^https?:/i
    });
  }
  function languageOf(s) { return /[\u3400-\u9fff]/.test(s || "") ? "zh" : lang; }

  // --- the DOM ---------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  var css = el("link", { rel: "stylesheet", href: new URL("/widget.css", scriptUrl).href });
  var position = (script && script.getAttribute("data-position")) === "left" ? "left" : "right";
  var root = el("div", { id: "kbw-root", "class": "kbw kbw-" + position, hidden: "" });
  var launcherLabel = el("span", { "class": "kbw-launcher-label" });
  var badgeText = el("span", { id: "kbw-unread", "class": "kbw-sr" });
  var launcher = el("button", { type: "button", "class": "kbw-launcher", "aria-expanded": "false", "aria-controls": "kbw-panel" }, [launcherLabel]);
  var badge = el("span", { "class": "kbw-badge", "aria-hidden": "true", hidden: "" });
  var title = el("h2", { id: "kbw-title", "class": "kbw-title" });
  var langButton = el("button", { type: "button", "class": "kbw-lang" });
  var closeButton = el("button", { type: "button", "class": "kbw-close" }, [el("span", { "aria-hidden": "true", text: "\u00d7" })]);
  var status = el("p", { "class": "kbw-status", role: "status" });
  var log = el("div", { "class": "kbw-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var typing = el("p", { "class": "kbw-typing", hidden: "" });
  var label = el("label", { "for": "kbw-input", "class": "kbw-sr" });
  var input = el("textarea", { id: "kbw-input", "class": "kbw-input", rows: "2", maxlength: "2000", autocomplete: "off" });
  var send = el("button", { type: "submit", "class": "kbw-send" });
  var form = el("form", { "class": "kbw-form" }, [label, input, send]);
  var privacy = el("p", { "class": "kbw-privacy" });
  var panel = el("section", { id: "kbw-panel", "class": "kbw-panel", role: "dialog", "aria-labelledby": "kbw-title", hidden: "" }, [
    el("header", { "class": "kbw-head" }, [title, langButton, closeButton]),
    status, log, typing, form, privacy
  ]);
  root.appendChild(panel);
  root.appendChild(launcher);
  root.appendChild(badge);
  root.appendChild(badgeText);
  css.addEventListener("load", function () { root.removeAttribute("hidden"); });
  css.addEventListener("error", function () { root.removeAttribute("hidden"); });

  function applyTexts() {
    root.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
    launcherLabel.textContent = text("launcher");
    title.textContent = text("title");
    langButton.textContent = text("switch_to");
    langButton.setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
    langButton.setAttribute("aria-label", text("switch_label"));
    closeButton.setAttribute("aria-label", text("close"));
    log.setAttribute("aria-label", text("transcript"));
    typing.textContent = text("typing");
    label.textContent = text("message");
    input.setAttribute("placeholder", text("placeholder"));
    send.textContent = text("send");
    privacy.textContent = text("privacy");
    showStatus(statusKey);
    showUnread();
  }

  var statusKey = "";
  function showStatus(key) {
    statusKey = key;
    status.textContent = key ? text(key) : "";
    status.hidden = !key;
  }

  function showUnread() {
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
    badgeText.textContent = unread ? text("unread", { count: unread }) : "";
    if (unread) { launcher.setAttribute("aria-describedby", "kbw-unread"); } else { launcher.removeAttribute("aria-describedby"); }
  }

  function renderMessage(m, isLast) {
    var who = m.who === "user" ? "user" : "bot";
    var row = el("div", { "class": "kbw-msg kbw-" + who, lang: (m.lang || languageOf(m.text)) === "zh" ? "zh-CN" : "en", "data-id": m.id });
    row.appendChild(el("span", { "class": "kbw-sr", text: text(who === "user" ? "you" : "bot") + ": " }));
    var bubble = el("div", { "class": "kbw-bubble" });
    bubble.innerHTML = formatted(m.text);
    row.appendChild(bubble);
    if (isLast && who === "bot" && m.replies && m.replies.length) {
      var box = el("div", { "class": "kbw-replies" });
      m.replies.forEach(function (r) {
        var b = el("button", { type: "button", "class": "kbw-reply", text: r.title || r.payload });
        b.addEventListener("click", function () { submit(r.payload, r.title || r.payload); });
        box.appendChild(b);
      });
      row.appendChild(box);
    }
    return row;
  }

  // The whole log from the history (also when another tab of this session added to it).
  function renderLog() {
    var focusedReply = document.activeElement && document.activeElement.classList.contains("kbw-reply");
    log.textContent = "";
    history.forEach(function (m, i) { log.appendChild(renderMessage(m, i === history.length - 1)); });
    var last = log.lastElementChild;
    if (last) {
      // The last row, buttons included, is in view (issue 12: not below the fold).
      log.scrollTop = log.scrollHeight;
      if (focusedReply) {
        var first = last.querySelector(".kbw-reply");
        (first || input).focus();
      }
    }
  }

  function remember(m) {
    var stored = load().history;
    if (Array.isArray(stored) && load().session_id === session) { history = stored; }
    if (m.id && history.some(function (h) { return h.id === m.id; })) { return false; }
    history.push(m);
    if (history.length > HISTORY_LIMIT) { history = history.slice(-HISTORY_LIMIT); }
    save({ history: history });
    return true;
  }

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- the connection ----------------------------------------------------------------
  var session = state.session_id || null;
  var token = state.token || null;
  var ready = false;
  var socket = io(CONFIG.socketUrl, { path: CONFIG.socketPath, transports: ["websocket", "polling"], reconnection: true, reconnectionDelayMax: 5000 });

  function requestSession() {
    ready = false;
    // since: the server time of the last message we have; the server sends what came later
    // (a case update pushed while no widget of this session was open).
    var since = history.reduce(function (t, m) { return Math.max(t, m.sts || 0); }, 0);
    socket.emit("session_request", session ? { session_id: session, token: token, since: since || null } : {});
  }
  socket.on("connect", function () { showStatus(""); requestSession(); });
  socket.on("disconnect", function () { ready = false; showStatus("offline"); });
  socket.on("connect_error", function () { ready = false; showStatus("offline"); });
  socket.on("session_token", function (data) {
    if (data && data.session_id && data.token) { token = data.token; save({ session_id: data.session_id, token: token }); }
  });
  socket.on("session_confirm", function (id) {
    if (id !== session) {
      session = id;
      history = [];
      save({ session_id: id, token: token, history: history });
      renderLog();
    }
    ready = true;
    showStatus("");
    if (outbox.length) { var queued = outbox; outbox = []; queued.forEach(function (m) { emit(m.payload, m.lang); }); }
  });
  socket.on("session_refused", function () {
    // The stored session is not ours (or no longer valid): start a new conversation.
    session = null;
    token = null;
    save({ session_id: null, token: null });
    requestSession();
  });
  socket.on("bot_uttered", function (m) {
    if (!m || typeof m !== "object") { return; }
    setTyping(false);
    var message = {
      id: m.id || newId(),
      who: "bot",
      text: typeof m.text === "string" ? m.text : "",
      replies: (m.quick_replies || m.buttons || []).filter(function (r) { return r && r.payload; }).map(function (r) {
        return { title: String(r.title || ""), payload: String(r.payload) };
      }),
      ts: Date.now(),
      sts: typeof m.ts === "number" ? m.ts : 0
    };
    if (!message.text && !message.replies.length) { return; }
    if (remember(message)) {
      renderLog();
      if (panel.hidden) { unread += 1; showUnread(); }
    }
  });
  // The browser knows before the heartbeat does that the network is gone.
  window.addEventListener("offline", function () { socket.disconnect(); showStatus("offline"); });
  window.addEventListener("online", function () { if (!socket.connected) { socket.connect(); } });
  socket.on("typing", function (data) { setTyping(!!(data && data.on)); });

  var outbox = [];
  function emit(payload, msgLang) {
    socket.emit("user_uttered", { message: payload, session_id: session, metadata: { widget_lang: msgLang } });
  }

  var typingTimer = null;
  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) { typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_MS); }
  }

  // Send a message; shown is what the user sees (a button's title for its payload).
  // Offline, the text stays in the box and nothing is lost; sent on reconnect otherwise.
  function submit(payload, shown) {
    if (!socket.connected) { showStatus("offline"); return false; }
    remember({ id: newId(), who: "user", text: shown, lang: languageOf(shown), ts: Date.now() });
    renderLog();
    setTyping(true);
    if (ready) { emit(payload, lang); } else { outbox.push({ payload: payload, lang: lang }); }
    return true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value.trim();
    if (!value) { return; }
    if (submit(value, value)) { input.value = ""; }
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  // --- open, close, language ----------------------------------------------------------
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("kbw-open");
    unread = 0;
    showUnread();
    save({ open: true });
    renderLog();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("kbw-open");
    save({ open: false });
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  closeButton.addEventListener("click", close);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { event.preventDefault(); close(); }
  });
  langButton.addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh";
    save({ lang: lang });
    applyTexts();
    renderLog();
    // Tell the bot in words it understands as a language request (change_language).
    submit(text("switch_request"), text("switch_request"));
    langButton.focus();
  });

  // Another tab of this browser added to the conversation: show the same history.
  window.addEventListener("storage", function (event) {
    if (event.key !== STORE) { return; }
    var next = load();
    if (Array.isArray(next.history)) { history = next.history; renderLog(); }
    if (next.session_id && next.session_id !== session) { session = next.session_id; token = next.token; requestSession(); }
  });

  function mount() {
    document.head.appendChild(css);
    document.body.appendChild(root);
    applyTexts();
    renderLog();
    if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); root.classList.add("kbw-open"); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
