// Demo chat page: talks to Rasa's REST channel. Everything the bot sends is shown as
// text (textContent), never as HTML, so an answer containing <script> stays harmless.
(function () {
  "use strict";
  var body = document.body;
  var webhook = body.getAttribute("data-webhook");
  var labels = JSON.parse(document.getElementById("chat-labels").textContent);
  var lang = localStorage.getItem("chat-lang") || body.getAttribute("data-lang") || "en";
  var log = document.getElementById("log");
  var input = document.getElementById("message");
  var sender = sessionStorage.getItem("chat-sender");
  if (!sender) {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    sender = "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    sessionStorage.setItem("chat-sender", sender);
  }

  function label(key) {
    var entry = labels[key] || {};
    return entry[lang] || entry.en || key;
  }

  function applyLabels() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = label(el.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.placeholder = label(el.getAttribute("data-i18n-placeholder"));
      el.setAttribute("aria-label", el.placeholder);
    });
    var region = document.getElementById("region");
    if (region) { region.textContent = region.getAttribute("data-" + lang) || ""; }
  }

  // Text with http(s) links made clickable, built from DOM nodes only.
  function appendText(container, text) {
    var urlPattern = /https?:\/\/[^\s<>"'）)]+/g;
    var last = 0, match;
    while ((match = urlPattern.exec(text)) !== null) {
      container.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = match[0];
      a.textContent = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      container.appendChild(a);
      last = match.index + match[0].length;
    }
    container.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(who, text, extraClass) {
    var row = document.createElement("div");
    row.className = "msg " + who + (extraClass ? " " + extraClass : "");
    var name = document.createElement("span");
    name.className = "who";
    name.setAttribute("data-i18n", who === "user" ? "chat_you" : "chat_bot");
    name.textContent = label(who === "user" ? "chat_you" : "chat_bot");
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    appendText(bubble, text || "");
    row.appendChild(name);
    row.appendChild(bubble);
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
    return row;
  }

  function addButtons(row, buttons) {
    var box = document.createElement("div");
    box.className = "buttons";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "quick-reply";
      button.textContent = b.title || b.payload;
      button.addEventListener("click", function () {
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        send(b.payload, b.title || b.payload);
      });
      box.appendChild(button);
    });
    row.appendChild(box);
  }

  function send(message, shown) {
    addMessage("user", shown);
    return fetch(webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (messages) {
      renderBotMessages(messages);
    }).catch(function () {
      addMessage("bot", label("chat_offline"), "offline");
    });
  }

  // Messages the assistant sends on its own (a case update) arrive as server-sent events.
  function renderBotMessages(messages) {
    (messages || []).forEach(function (m) {
      if (m.text || m.buttons) {
        var row = addMessage("bot", m.text || "");
        if (m.buttons && m.buttons.length) { addButtons(row, m.buttons); }
      }
    });
  }

  function subscribe() {
    var base = body.getAttribute("data-notifications");
    if (!base || typeof EventSource === "undefined") { return; }
    var after = sessionStorage.getItem("chat-notified") || "0";
    var source = new EventSource(base + encodeURIComponent(sender) + "?after=" + encodeURIComponent(after));
    source.addEventListener("bot", function (event) {
      var messages;
      try { messages = JSON.parse(event.data); } catch (e) { return; }
      if (event.lastEventId) { sessionStorage.setItem("chat-notified", event.lastEventId); }
      renderBotMessages(messages);
    });
  }

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });
  document.getElementById("lang-toggle").addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("chat-lang", lang);
    applyLabels();
  });
  applyLabels();
  subscribe();
})();
