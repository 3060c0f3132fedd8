/* The IPT assistant's web chat. A clinic adds it to any page with one tag:
 *   <script src="https://CHAT-HOST/webchat.js" defer></script>
 * It mounts into <div id="ipt-chat"> when the page has one, otherwise it adds a
 * "Chat" button in the corner. Every text is set with textContent, never as
 * HTML. The conversation id comes from the server and lives in sessionStorage:
 * a reload keeps the conversation, closing the tab ends it on this device. */
(function () {
  "use strict";
  var CONFIG = {{ config | tojson }};
  var script = document.currentScript;
  var base = new URL(script.src, window.location.href).origin;
  var TOKEN_KEY = "ipt-chat-token";
  var LOG_KEY = "ipt-chat-log";
  var KEEP = 200;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function load(src, then) {
    var tag = element("script", { src: src });
    tag.onload = then;
    tag.onerror = function () { status("The chat could not load. Reload the page to try again."); };
    document.head.appendChild(tag);
  }

  var root, log, input, statusLine, socket;
  var history = [];

  function status(text) { if (statusLine) statusLine.textContent = text; }

  function save() {
    try {
      sessionStorage.setItem(LOG_KEY, JSON.stringify(history.slice(-KEEP)));
    } catch (ignored) { /* private mode: the chat still works, it just won't survive a reload */ }
  }

  function show(message, remember) {
    var item = element("div", { class: "ipt-msg ipt-" + message.from });
    item.appendChild(element("span", { class: "ipt-who" }, message.from === "bot" ? "Assistant: " : "You: "));
    item.appendChild(element("span", { class: "ipt-text", dir: "auto" }, message.text || ""));
    if (message.buttons && message.buttons.length) {
      var group = element("div", { class: "ipt-buttons", role: "group", "aria-label": "Choices" });
      message.buttons.forEach(function (button) {
        var choice = element("button", { type: "button", class: "ipt-choice" }, button.title);
        if (message.answered) choice.disabled = true;
        choice.addEventListener("click", function () {
          message.answered = true;
          group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
          send(button.payload, button.title);
          input.focus();
        });
        group.appendChild(choice);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    if (remember) { history.push(message); save(); }
  }

  function send(payload, shown) {
    if (!socket || !socket.connected) {
      status("Not connected yet. If you are in danger, call your local emergency number now.");
      return false;
    }
    if (shown !== null) show({ from: "user", text: shown === undefined ? payload : shown }, true);
    socket.emit("user_uttered", { message: payload, session_id: sessionStorage.getItem(TOKEN_KEY) });
    return true;
  }

  function build(container, floating) {
    root = element("section", { class: "ipt-chat" + (floating ? " ipt-floating" : ""), "aria-label": "Chat with the IPT assistant" });
    var header = element("header", { class: "ipt-header" });
    header.appendChild(element("h2", { class: "ipt-title" }, "IPT assistant"));
    var help = element("button", { type: "button", class: "ipt-help" }, "Get help now");
    help.addEventListener("click", function () {
      if (!send("/crisis_help", "Get help now")) {
        status("If you are in danger, call your local emergency number now.");
      }
    });
    header.appendChild(help);
    root.appendChild(header);
    log = element("div", { class: "ipt-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
    root.appendChild(log);
    var form = element("form", { class: "ipt-form" });
    var label = element("label", { for: "ipt-input", class: "ipt-hidden" }, "Your message");
    input = element("input", { id: "ipt-input", type: "text", autocomplete: "off", maxlength: "5000", placeholder: "Type a message" });
    var submit = element("button", { type: "submit", class: "ipt-send" }, "Send");
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (text && send(text)) input.value = "";
    });
    root.appendChild(form);
    statusLine = element("p", { class: "ipt-status", role: "status" });
    root.appendChild(statusLine);
    container.appendChild(root);
  }

  function restore() {
    try { history = JSON.parse(sessionStorage.getItem(LOG_KEY) || "[]"); } catch (ignored) { history = []; }
    history.forEach(function (message) { show(message, false); });
  }

  function connect() {
    status("Connecting…");
    /* global io */
    socket = io(CONFIG.server, { path: CONFIG.path, transports: ["websocket"] });
    socket.on("connect", function () {
      status("");
      socket.emit("session_request", { session_id: sessionStorage.getItem(TOKEN_KEY) });
    });
    socket.on("session_confirm", function (token) {
      var known = sessionStorage.getItem(TOKEN_KEY);
      sessionStorage.setItem(TOKEN_KEY, token);
      if (known !== token) {
        // A new conversation: what was shown belonged to another one.
        history = []; save(); log.textContent = "";
        send("/greet", null);
      }
    });
    socket.on("bot_uttered", function (message) {
      var buttons = (message.quick_replies || message.buttons || []).map(function (b) {
        return { title: b.title, payload: b.payload };
      });
      show({ from: "bot", text: message.text || "", buttons: buttons }, true);
    });
    socket.on("message_refused", function (refusal) {
      // The server's gate did not pass the message on (bot/channels/gate.py).
      status(refusal && refusal.error ? String(refusal.error) : "That message could not be sent.");
    });
    socket.on("disconnect", function () { status("Connection lost; reconnecting…"); });
    socket.on("connect_error", function () {
      status("Cannot reach the assistant. If you are in danger, call your local emergency number now.");
    });
  }

  function start() {
    var container = document.getElementById("ipt-chat");
    if (!document.querySelector("link[data-ipt-chat]")) {
      var css = element("link", { rel: "stylesheet", href: base + "/static/webchat.css", "data-ipt-chat": "" });
      document.head.appendChild(css);
    }
    if (container) {
      build(container, false);
    } else {
      var opener = element("button", { type: "button", class: "ipt-opener", "aria-expanded": "false" }, "Chat");
      document.body.appendChild(opener);
      build(document.body, true);
      root.hidden = true;
      opener.addEventListener("click", function () {
        root.hidden = !root.hidden;
        opener.setAttribute("aria-expanded", String(!root.hidden));
        if (!root.hidden) input.focus();
      });
    }
    restore();
    load(base + "/vendor/socket.io.min.js", connect);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
