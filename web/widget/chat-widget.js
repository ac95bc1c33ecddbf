/*
 * Chat widget of the département's triage assistant.
 *
 * A page includes it with one tag:
 *   <script src="https://…/widget/chat-widget.js" defer
 *           data-server="https://assistant.example.fr" data-title="…"></script>
 *
 * It talks to Rasa's socket.io channel (session_request → session_confirm, user_uttered →
 * bot_uttered) with a session id kept in sessionStorage, so that the conversation survives a
 * reload or a change of page in the same tab and is forgotten when the tab is closed (shared
 * computers in libraries and social centres). Everything it shows is built with text nodes:
 * no message is ever parsed as HTML. It lives in a shadow root so that the host page's styles
 * and the widget's never leak into each other.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__triageChatLoaded) return;
  window.__triageChatLoaded = true;

  const BASE = new URL(".", script.src);
  const STORAGE_VERSION = 1;
  const MAX_STORED_MESSAGES = 200;
  const ANSWER_TIMEOUT_MS = 60000;
  const DEFAULT_PRIMARY = "#000091"; // DSFR blue-france-sun-113-625
  const DEFAULT_PRIMARY_HOVER = "#1212ff"; // DSFR blue-france-sun-113-625-hover
  const ASK_HUMAN_PAYLOAD = "/ask_human";

  // ---------------------------------------------------------------- configuration

  function positiveInt(value, fallback) {
    const number = Number.parseInt(value, 10);
    return Number.isFinite(number) && number > 0 ? number : fallback;
  }

  // An http(s) address (absolute or relative to the page), or "" for anything else.
  function webAddress(value) {
    if (!value) return "";
    try {
      const url = new URL(value, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (error) {
      return "";
    }
  }

  function readConfig(data) {
    const server = new URL(data.server || "http://127.0.0.1:5005", window.location.href);
    return {
      serverOrigin: server.origin,
      socketPath: data.socketPath || "/socket.io",
      title: data.title || "Assistant du Département",
      organisation: data.organisation || "Département",
      phone: data.phone || "",
      retentionDays: positiveInt(data.retentionDays, 90),
      privacyContact: data.privacyContact || "",
      privacyUrl: webAddress(data.privacyUrl),
      maxLength: positiveInt(data.maxLength, 1000),
      primary: data.primaryColor || DEFAULT_PRIMARY,
      primaryHover: data.primaryHoverColor || DEFAULT_PRIMARY_HOVER,
      storageKey: "triage-chat:" + server.origin,
    };
  }

  const config = readConfig(script.dataset);

  // WCAG relative luminance and contrast ratio, to refuse a page colour that white text on it
  // would not read (AA: 4.5:1).
  function luminance(hex) {
    const match = /^#([0-9a-f]{6})$/i.exec(hex.trim());
    if (!match) return null;
    const channels = [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16) / 255);
    const linear = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  }

  function readableOnWhite(hex) {
    const l = luminance(hex);
    return l !== null && 1.05 / (l + 0.05) >= 4.5;
  }

  function safeColour(hex, fallback, name) {
    if (readableOnWhite(hex)) return hex;
    console.warn(`triage-chat: ${name} ${hex} is not a #rrggbb colour with 4.5:1 contrast on white; using ${fallback}`);
    return fallback;
  }

  // ---------------------------------------------------------------- persistent state

  function openStorage() {
    try {
      const storage = window.sessionStorage;
      storage.setItem(config.storageKey + ":probe", "1");
      storage.removeItem(config.storageKey + ":probe");
      return storage;
    } catch (error) {
      return null; // storage disabled: the conversation lives as long as the page
    }
  }

  const storage = openStorage();

  // The server issues the session id (signed): a new conversation starts without one.
  function newSessionId() {
    return "";
  }

  function freshState(noticeAccepted) {
    return {
      v: STORAGE_VERSION,
      sessionId: newSessionId(),
      noticeAccepted: Boolean(noticeAccepted),
      open: false,
      draft: "",
      nextId: 1,
      messages: [],
    };
  }

  function loadState() {
    try {
      const saved = JSON.parse((storage && storage.getItem(config.storageKey)) || "null");
      if (saved && saved.v === STORAGE_VERSION && typeof saved.sessionId === "string") return saved;
    } catch (error) {
      // a corrupt entry is replaced by a new conversation
    }
    return freshState(false);
  }

  const state = loadState();

  function save() {
    if (!storage) return;
    state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    try {
      storage.setItem(config.storageKey, JSON.stringify(state));
    } catch (error) {
      console.warn("triage-chat: could not save the conversation", error);
    }
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children || []) {
      node.append(child);
    }
    return node;
  }

  function srOnly(text) {
    return el("span", { class: "sr-only", text });
  }

  function button(label, className, attributes) {
    return el("button", Object.assign({ type: "button", class: className, text: label }, attributes));
  }

  function characterCount(text) {
    return Array.from(text).length; // code points, as the server (Python len) counts them
  }

  // Links the assistant writes: Markdown [label](https://…) or a bare https address. Only
  // http(s) addresses become links; everything else stays text.
  const LINK = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;
  const BOLD = /\*\*([^*\n]{1,300})\*\*/g;

  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(BOLD)) {
      parent.append(text.slice(last, match.index), el("strong", { text: match[1] }));
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  function makeLink(href, label) {
    const link = el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "link" });
    appendInline(link, label);
    link.append(srOnly(" (nouvelle fenêtre)"));
    return link;
  }

  function renderText(parent, text) {
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      appendInline(parent, text.slice(last, match.index));
      parent.append(makeLink(match[2] || match[3], match[1] || match[3]));
      last = match.index + match[0].length;
    }
    appendInline(parent, text.slice(last));
  }

  function plainText(text) {
    return text.replace(LINK, (all, label, url, bare) => label || bare).replace(BOLD, "$1");
  }

  // ---------------------------------------------------------------- the window

  const host = el("div", { id: "triage-chat", class: "triage-chat-host" });
  host.style.setProperty("--primary", safeColour(config.primary, DEFAULT_PRIMARY, "data-primary-color"));
  host.style.setProperty(
    "--primary-hover",
    safeColour(config.primaryHover, DEFAULT_PRIMARY_HOVER, "data-primary-hover-color"),
  );
  const shadow = host.attachShadow({ mode: "open" });

  const ids = {
    panel: "tc-panel",
    title: "tc-title",
    notice: "tc-notice",
    input: "tc-input",
    hint: "tc-hint",
    counter: "tc-counter",
    error: "tc-error",
  };

  const launcher = button("", "launcher", {
    "aria-expanded": "false",
    "aria-controls": ids.panel,
  });
  launcher.append(el("span", { class: "icon icon-chat", "aria-hidden": "true" }), "Une question ?");
  launcher.append(srOnly(" Ouvrir la discussion avec l’assistant"));

  const closeButton = button("", "btn btn-tertiary-no-outline btn-icon", {
    title: "Fermer la discussion",
    "aria-label": "Fermer la discussion",
  });
  closeButton.append(el("span", { class: "icon icon-close", "aria-hidden": "true" }));

  const restartButton = button("Nouvelle conversation", "btn btn-sm btn-tertiary-no-outline", {
    "aria-expanded": "false",
    "aria-controls": "tc-confirm",
  });
  restartButton.prepend(el("span", { class: "icon icon-refresh", "aria-hidden": "true" }));

  const confirmYes = button("Oui, recommencer", "btn btn-sm");
  const confirmNo = button("Annuler", "btn btn-sm btn-secondary");
  const confirmBox = el("div", { id: "tc-confirm", class: "confirm", role: "group", "aria-labelledby": "tc-confirm-text", hidden: true }, [
    el("p", {
      id: "tc-confirm-text",
      text: "Commencer une nouvelle conversation ? Les messages affichés seront effacés de cet écran.",
    }),
    el("div", { class: "btn-group" }, [confirmYes, confirmNo]),
  ]);

  const header = el("div", { class: "header" }, [
    el("h2", { id: ids.title, class: "title", text: config.title }),
    closeButton,
    el("p", { class: "subtitle", text: "Réponses automatiques, conseiller sur demande" }),
    el("div", { class: "header-actions" }, [restartButton]),
  ]);

  // Privacy notice: shown before the first message, and again on demand.
  const noticeAccept = button("J’ai compris, commencer", "btn");
  const noticeClose = button("Retour à la conversation", "btn btn-secondary", { hidden: true });
  const notice = el("section", { id: ids.notice, class: "notice", "aria-labelledby": "tc-notice-title" });
  buildNotice();

  function buildNotice() {
    const contact = config.privacyContact
      ? config.privacyContact
      : `le délégué à la protection des données du ${config.organisation}`;
    const items = [
      ["Ce que nous gardons : ", "vos messages et les réponses de l’assistant. Si vous demandez à être rappelé, votre nom, votre numéro de téléphone et votre commune, seulement après votre accord."],
      ["Pourquoi : ", `pour répondre à votre question et, à votre demande, pour qu’un conseiller du ${config.organisation} vous rappelle.`],
      ["Combien de temps : ", `vos données personnelles sont effacées ${config.retentionDays} jours après la clôture de votre demande ; seules des statistiques anonymes sont conservées.`],
      ["Vos droits : ", `pour consulter, corriger ou faire effacer vos données, contactez ${contact}.`],
    ];
    const list = el("ul", { class: "notice-list" });
    for (const [label, text] of items) {
      list.append(el("li", {}, [el("strong", { text: label }), text]));
    }
    notice.append(
      el("h3", { id: "tc-notice-title", class: "notice-title", tabindex: "-1" }, [
        el("span", { class: "icon icon-info", "aria-hidden": "true" }),
        "Avant de commencer",
      ]),
      el("p", {
        text: "Cet assistant automatique répond aux questions sur l’APA, le RSA, la carte Imagine R et les collèges. Il ne remplace pas l’étude de votre dossier par un agent.",
      }),
      list,
      el("p", {
        text: "N’écrivez pas d’informations de santé, de numéro de sécurité sociale ni de coordonnées bancaires. L’historique de la discussion reste dans ce navigateur jusqu’à la fermeture de l’onglet.",
      }),
    );
    if (config.privacyUrl) {
      const more = el("a", { href: config.privacyUrl, class: "link" });
      more.textContent = "En savoir plus sur vos données personnelles";
      notice.append(el("p", {}, [more]));
    }
    notice.append(el("div", { class: "btn-group" }, [noticeAccept, noticeClose]));
  }

  const intro = el("p", { class: "intro" });
  intro.textContent =
    "Bonjour ! Posez votre question en quelques mots, par exemple : « Comment demander l’APA ? ». " +
    "Vous pouvez aussi demander à être rappelé par un conseiller.";

  const log = el("ol", { class: "messages", "aria-label": "Messages de la conversation" });
  const typing = el("div", { class: "typing", hidden: true }, [
    el("span", { class: "dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", { text: "L’assistant écrit…" }),
  ]);
  const conversation = el("div", { class: "conversation", tabindex: "-1" }, [intro, log, typing]);

  const statusBanner = el("div", { class: "status", hidden: true }, [
    el("span", { class: "icon icon-warning", "aria-hidden": "true" }),
  ]);
  const statusText = el("p", { class: "status-text" });
  const retryButton = button("Réessayer maintenant", "btn btn-sm btn-secondary");
  statusBanner.append(el("div", {}, [statusText, retryButton]));

  const askHuman = button("Parler à un conseiller", "btn btn-sm btn-secondary");
  askHuman.prepend(el("span", { class: "icon icon-phone", "aria-hidden": "true" }));
  const privacyButton = button("Vos données", "btn btn-sm btn-tertiary-no-outline");

  const textarea = el("textarea", {
    id: ids.input,
    class: "input",
    rows: "2",
    autocomplete: "off",
    "aria-describedby": `${ids.hint} ${ids.counter}`,
  });
  const counter = el("p", { id: ids.counter, class: "counter" });
  const errorMessage = el("p", { id: ids.error, class: "error-text", hidden: true });
  const sendButton = el("button", { type: "submit", class: "btn send" }, ["Envoyer"]);
  sendButton.prepend(el("span", { class: "icon icon-send", "aria-hidden": "true" }));
  const form = el("form", { class: "composer", novalidate: true }, [
    el("label", { for: ids.input, class: "label", text: "Votre message" }),
    el("p", {
      id: ids.hint,
      class: "hint",
      text: "Entrée pour envoyer, Maj + Entrée pour aller à la ligne.",
    }),
    textarea,
    errorMessage,
    el("div", { class: "composer-row" }, [counter, sendButton]),
  ]);

  const tools = el("div", { class: "tools" }, [askHuman, privacyButton]);
  const chatArea = el("div", { class: "chat" }, [conversation, statusBanner, tools, form]);

  // One polite live region for everything a screen reader should hear as it happens: the
  // assistant's messages, connection changes, refusals. The visible list is not live, so that
  // the history restored after a reload is not read out again.
  const live = el("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "false" });

  const panel = el(
    "section",
    { id: ids.panel, class: "panel", role: "dialog", "aria-labelledby": ids.title, hidden: true },
    [header, confirmBox, notice, chatArea],
  );

  const root = el("div", { class: "root", lang: "fr", hidden: true }, [launcher, panel, live]);
  const stylesheet = el("link", { rel: "stylesheet", href: new URL("chat-widget.css", BASE).href });
  // Show nothing until the stylesheet is there (or has failed: unstyled but usable).
  // The history restored on a new page is laid out only now: show its end.
  function reveal() {
    root.hidden = false;
    scrollToEnd();
  }
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);
  shadow.append(stylesheet, root);

  function loadFonts() {
    // @font-face does not work inside a shadow root: the fonts are declared on the page.
    if (document.querySelector("link[data-triage-chat-fonts]")) return;
    const fonts = el("link", {
      rel: "stylesheet",
      href: new URL("vendor/dsfr/fonts.css", BASE).href,
      "data-triage-chat-fonts": "",
    });
    document.head.append(fonts);
  }

  // ---------------------------------------------------------------- announcements

  function announce(text) {
    const line = el("p", { text });
    live.append(line);
    // Old lines are removed once read, so that the region does not grow without end.
    setTimeout(() => line.remove(), 15000);
  }

  // ---------------------------------------------------------------- messages

  function messageNode(message) {
    const item = el("li", { class: `message message-${message.from}`, "data-id": String(message.id) });
    const bubble = el("div", { class: "bubble" });
    bubble.append(srOnly(message.from === "user" ? "Vous : " : "L’assistant : "));
    renderText(bubble, message.text || "");
    if (message.image) {
      bubble.append(el("br"), makeLink(message.image, "Voir l’image"));
    }
    item.append(bubble);
    if (message.feedback) item.append(feedbackNode(message));
    if (message.from === "user" && message.status === "pending") {
      item.append(el("p", { class: "message-status", text: "En attente d’envoi" }));
    }
    return item;
  }

  function repliesNode(message) {
    const group = el("div", { class: "replies", role: "group", "aria-label": "Réponses proposées" });
    for (const reply of message.replies) {
      const choice = button(reply.title, "btn btn-sm btn-secondary reply");
      choice.addEventListener("click", () => {
        sendUserMessage(reply.title, reply.payload);
        textarea.focus(); // the button that had the focus is gone with its group
      });
      group.append(choice);
    }
    return group;
  }

  function lastMessage() {
    return state.messages[state.messages.length - 1];
  }

  // Quick replies belong to the assistant's last message only: once the citizen has answered,
  // the old ones are gone (they would send an answer to a question no longer asked).
  function refreshReplies() {
    for (const old of log.querySelectorAll(".replies")) old.remove();
    const last = lastMessage();
    if (last && last.from === "bot" && last.replies && last.replies.length) {
      log.lastElementChild.append(repliesNode(last));
    }
  }

  function renderAll() {
    log.replaceChildren(...state.messages.map(messageNode));
    intro.hidden = state.messages.length > 0;
    refreshReplies();
    scrollToEnd();
  }

  function addMessage(message) {
    message.id = state.nextId++;
    state.messages.push(message);
    save();
    log.append(messageNode(message));
    intro.hidden = true;
    refreshReplies();
    scrollToLatest();
    return message;
  }

  function updateMessage(message) {
    save();
    const node = log.querySelector(`[data-id="${message.id}"]`);
    if (!node) return;
    const fresh = messageNode(message);
    const replies = node.querySelector(".replies");
    if (replies) fresh.append(replies);
    node.replaceWith(fresh);
  }

  function scrollToEnd() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  // The end of the conversation, unless the answer to the citizen's last question is taller
  // than the window: then the question and the start of the answer stay in view, to be read
  // downwards (long fiches, text enlarged to 200 %).
  function scrollToLatest() {
    const questions = log.querySelectorAll(".message-user");
    const question = questions[questions.length - 1];
    const end = conversation.scrollHeight - conversation.clientHeight;
    if (!question) {
      conversation.scrollTop = end;
      return;
    }
    const offset = question.getBoundingClientRect().top - conversation.getBoundingClientRect().top;
    conversation.scrollTop = Math.min(end, conversation.scrollTop + offset - 8);
  }

  function fromBot(data) {
    const message = { from: "bot", text: typeof data.text === "string" ? data.text : "" };
    const buttons = data.quick_replies || data.buttons;
    if (Array.isArray(buttons)) {
      message.replies = buttons
        .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
        .map((b) => ({ title: b.title, payload: b.payload }));
    }
    const src = data.attachment && data.attachment.payload && data.attachment.payload.src;
    if (typeof src === "string" && /^https?:\/\//.test(src)) message.image = src;
    return message;
  }


  // ---------------------------------------------------------------- answer feedback
  // Under a fiche answer the assistant sends {feedback: {answer: token}}: the citizen may say
  // whether it helped (Oui / Non, then an optional comment after Non). Only the random token,
  // the choice and the comment are sent (socket event "answer_feedback"); the phone has none.
  const FEEDBACK_COMMENT_MAX = 300;

  function takeFeedback(data) {
    const answer = data.feedback && data.feedback.answer;
    if (typeof answer !== "string") return false;
    const last = lastMessage();
    if (last && last.from === "bot" && !last.feedback) {
      last.feedback = { answer, state: "asked" };
      updateMessage(last);
    }
    return true;
  }

  function sendFeedback(message, helpful, comment, next) {
    const feedback = message.feedback;
    const payload = { answer: feedback.answer, helpful, comment: comment || null };
    const failed = () => {
      feedback.error = true;
      updateMessage(message);
      announce("Votre avis n’a pas pu être enregistré. Vous pouvez réessayer.");
    };
    if (!socket || !socket.connected) return failed();
    socket.timeout(10000).emit("answer_feedback", payload, (error, saved) => {
      if (error || !saved) return failed();
      feedback.error = false;
      feedback.state = next;
      updateMessage(message);
      focusFeedback(message);
      announce(next === "comment" ? "Merci. Vous pouvez préciser ce qui vous a manqué." : "Merci pour votre avis.");
    });
  }

  function focusFeedback(message) {
    const node = log.querySelector(`[data-id="${message.id}"] .feedback`);
    const target = node && (node.querySelector("input") || node.querySelector("[tabindex='-1']"));
    if (target) target.focus();
  }

  function feedbackNode(message) {
    const feedback = message.feedback;
    const question = `tc-fb-${message.id}`;
    const box = el("div", { class: "feedback", role: "group", "aria-labelledby": question });
    if (feedback.state === "done") {
      box.append(el("p", { id: question, class: "feedback-done", tabindex: "-1", text: "Merci pour votre avis." }));
      return box;
    }
    if (feedback.state === "comment") {
      const field = `tc-fb-comment-${message.id}`;
      const input = el("input", { id: field, class: "input feedback-input", type: "text", maxlength: String(FEEDBACK_COMMENT_MAX), "aria-describedby": `${field}-hint` });
      const form = el("form", { class: "feedback-form" }, [
        el("label", { id: question, for: field, class: "label", text: "Qu’est-ce qui vous a manqué ? (facultatif)" }),
        el("p", { id: `${field}-hint`, class: "hint", text: "Ne donnez ni nom, ni numéro de téléphone ou de dossier." }),
        input,
        el("div", { class: "btn-group" }, [button("Envoyer", "btn btn-sm"), button("Passer", "btn btn-sm btn-secondary")]),
      ]);
      const [send, skip] = form.querySelectorAll("button");
      send.type = "submit";
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const comment = input.value.trim();
        if (comment) sendFeedback(message, false, comment, "done");
        else skip.click();
      });
      skip.addEventListener("click", () => {
        feedback.state = "done";
        updateMessage(message);
        textarea.focus();
      });
      box.append(form);
    } else {
      const yes = button("Oui", "btn btn-sm btn-secondary");
      const no = button("Non", "btn btn-sm btn-secondary");
      yes.addEventListener("click", () => sendFeedback(message, true, null, "done"));
      no.addEventListener("click", () => sendFeedback(message, false, null, "comment"));
      box.append(el("p", { id: question, class: "feedback-question", text: "Cette réponse vous a-t-elle aidé ?" }), el("div", { class: "btn-group" }, [yes, no]));
    }
    if (feedback.error) {
      box.append(el("p", { class: "error-text", text: "Votre avis n’a pas pu être enregistré. Réessayez." }));
    }
    return box;
  }

  // ---------------------------------------------------------------- connection

  let socket = null;
  let sessionConfirmed = false;
  let awaiting = 0; // messages emitted and not yet acknowledged (the answer is being written)

  function setTyping(visible) {
    typing.hidden = !visible;
    conversation.setAttribute("aria-busy", visible ? "true" : "false");
    if (visible) scrollToLatest();
  }

  function showStatus(text) {
    const wasHidden = statusBanner.hidden;
    statusText.textContent = text;
    statusBanner.hidden = false;
    if (wasHidden) announce(text);
  }

  function hideStatus() {
    if (!statusBanner.hidden) announce("La connexion est rétablie.");
    statusBanner.hidden = true;
  }

  const OFFLINE =
    "Le service est injoignable pour le moment. Nouvelle tentative en cours : " +
    "vos messages seront envoyés dès le retour de la connexion.";

  async function connect() {
    if (socket) return;
    socket = { connected: false }; // placeholder while the client loads (one load only)
    let io;
    try {
      ({ io } = await import(new URL("vendor/socket.io/socket.io.esm.min.js", BASE).href));
    } catch (error) {
      socket = null;
      showStatus("Le service de discussion n’a pas pu être chargé. Rechargez la page pour réessayer.");
      return;
    }
    socket = io(config.serverOrigin, {
      path: config.socketPath,
      transports: ["websocket", "polling"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      timeout: 8000,
    });
    socket.on("connect", requestSession);
    socket.on("session_confirm", onSessionConfirm);
    socket.on("bot_uttered", onBotUttered);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", () => showStatus(OFFLINE));
  }

  // Answers come in the order of the requests; one asked before a restart is for an abandoned
  // conversation.
  const sessionRequests = [];
  let sessionEpoch = 0;

  function requestSession() {
    sessionRequests.push(sessionEpoch);
    socket.emit("session_request", { session_id: state.sessionId || null });
  }

  function onSessionConfirm(sessionId) {
    const confirmed = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
    const epoch = sessionRequests.shift();
    if (epoch !== sessionEpoch) return;
    if (!confirmed) {
      if (socket && socket.connected) requestSession();
      return;
    }
    // The server keeps the id it issued, or starts a new conversation when it did not issue it.
    if (confirmed !== state.sessionId) {
      state.sessionId = confirmed;
      save();
    }
    sessionConfirmed = true;
    hideStatus();
    flushPending();
  }

  function onBotUttered(data) {
    if (!data || typeof data !== "object") return;
    if (takeFeedback(data)) return;
    const message = fromBot(data);
    if (!message.text && !message.image && !(message.replies && message.replies.length)) return;
    addMessage(message);
    let spoken = "L’assistant : " + plainText(message.text);
    if (message.replies && message.replies.length) {
      spoken += ` (${message.replies.length} réponses proposées)`;
    }
    announce(spoken);
  }

  function onDisconnect(reason) {
    sessionConfirmed = false;
    awaiting = 0;
    setTyping(false);
    // A message emitted but not acknowledged may not have reached the assistant: send it again
    // once connected (at least once rather than lost).
    for (const message of state.messages) {
      if (message.status === "sending") {
        message.status = "pending";
        updateMessage(message);
      }
    }
    if (reason !== "io client disconnect") showStatus(OFFLINE);
  }

  function emit(message) {
    message.status = "sending";
    save();
    awaiting += 1;
    setTyping(true);
    const sessionId = state.sessionId;
    const payload = { message: message.send, session_id: sessionId, metadata: { page: location.pathname } };
    // python-socketio acknowledges the event when Rasa has handled it, after the answers were
    // sent: the acknowledgement both confirms delivery and ends the typing indicator.
    socket.timeout(ANSWER_TIMEOUT_MS).emit("user_uttered", payload, (error) => {
      if (sessionId !== state.sessionId || message.status !== "sending") return;
      awaiting = Math.max(0, awaiting - 1);
      if (awaiting === 0) setTyping(false);
      message.status = "sent";
      save();
      if (error) {
        announce("L’assistant n’a pas répondu à temps. Vous pouvez reformuler votre question.");
      }
    });
  }

  function flushPending() {
    if (!socket || !socket.connected || !sessionConfirmed) return;
    for (const message of state.messages) {
      if (message.from === "user" && message.status === "pending") {
        emit(message);
        updateMessage(message);
      }
    }
  }

  function retryNow() {
    if (!socket || !socket.io) return;
    statusText.textContent = "Nouvelle tentative de connexion…";
    socket.disconnect();
    socket.connect();
  }

  // ---------------------------------------------------------------- sending

  function showError(text) {
    errorMessage.textContent = text;
    errorMessage.hidden = false;
    textarea.setAttribute("aria-invalid", "true");
    textarea.setAttribute("aria-describedby", `${ids.error} ${ids.hint} ${ids.counter}`);
    form.classList.add("has-error");
  }

  function clearError() {
    errorMessage.hidden = true;
    textarea.removeAttribute("aria-invalid");
    textarea.setAttribute("aria-describedby", `${ids.hint} ${ids.counter}`);
    form.classList.remove("has-error");
  }

  function tooLongText(count) {
    return (
      `Votre message est trop long : ${count} caractères pour ${config.maxLength} au maximum. ` +
      "Raccourcissez-le ou envoyez-le en plusieurs fois."
    );
  }

  function updateCounter() {
    const count = characterCount(textarea.value.trim());
    counter.textContent = `${count} / ${config.maxLength} caractères`;
    counter.classList.toggle("over", count > config.maxLength);
    if (count <= config.maxLength && !errorMessage.hidden) clearError();
  }

  // The one way a message leaves the widget: shown at once, kept in storage, sent when possible.
  function sendUserMessage(text, payload) {
    addMessage({ from: "user", text, send: payload || text, status: "pending" });
    if (socket && socket.connected && sessionConfirmed) {
      flushPending();
    } else {
      connect();
      if (!statusBanner.hidden) announce("Votre message sera envoyé dès le retour de la connexion.");
    }
  }

  function submit(event) {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) {
      showError("Écrivez votre message avant de l’envoyer.");
      textarea.focus();
      return;
    }
    const count = characterCount(text);
    if (count > config.maxLength) {
      showError(tooLongText(count));
      announce(tooLongText(count));
      textarea.focus();
      return;
    }
    clearError();
    textarea.value = "";
    state.draft = "";
    updateCounter();
    sendUserMessage(text);
    textarea.focus();
  }

  // ---------------------------------------------------------------- opening, closing, notice

  function showNotice(firstTime) {
    notice.hidden = false;
    chatArea.hidden = true;
    noticeAccept.hidden = !firstTime;
    noticeClose.hidden = firstTime;
    panel.setAttribute("aria-describedby", ids.notice);
  }

  function showChat() {
    notice.hidden = true;
    chatArea.hidden = false;
    panel.removeAttribute("aria-describedby");
  }

  function open(moveFocus) {
    loadFonts();
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    if (state.noticeAccepted) showChat();
    else showNotice(true);
    scrollToEnd();
    connect();
    if (moveFocus) (state.noticeAccepted ? textarea : noticeAccept).focus();
  }

  function close() {
    cancelRestart();
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  function acceptNotice() {
    state.noticeAccepted = true;
    save();
    showChat();
    textarea.focus();
  }

  function askRestart() {
    confirmBox.hidden = false;
    restartButton.setAttribute("aria-expanded", "true");
    confirmYes.focus();
  }

  function cancelRestart() {
    if (confirmBox.hidden) return false;
    confirmBox.hidden = true;
    restartButton.setAttribute("aria-expanded", "false");
    return true;
  }

  // A new conversation is a new session id: Rasa starts a fresh tracker for it.
  function restart() {
    cancelRestart();
    sessionEpoch += 1;
    const fresh = freshState(state.noticeAccepted);
    Object.assign(state, fresh, { open: true });
    save();
    sessionConfirmed = false;
    awaiting = 0;
    setTyping(false);
    renderAll();
    if (socket && socket.connected) requestSession();
    announce("Nouvelle conversation commencée.");
    if (state.noticeAccepted) textarea.focus();
  }

  // ---------------------------------------------------------------- wiring

  launcher.addEventListener("click", () => open(true));
  closeButton.addEventListener("click", close);
  restartButton.addEventListener("click", () => (confirmBox.hidden ? askRestart() : cancelRestart()));
  confirmYes.addEventListener("click", restart);
  confirmNo.addEventListener("click", () => {
    cancelRestart();
    restartButton.focus();
  });
  noticeAccept.addEventListener("click", acceptNotice);
  noticeClose.addEventListener("click", () => {
    showChat();
    privacyButton.focus();
  });
  privacyButton.addEventListener("click", () => {
    showNotice(false);
    notice.querySelector("h3").focus();
  });
  askHuman.addEventListener("click", () => sendUserMessage("Parler à un conseiller", ASK_HUMAN_PAYLOAD));
  retryButton.addEventListener("click", retryNow);
  form.addEventListener("submit", submit);
  textarea.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault(); // Enter sends; it does not also add a line to a refused message
    form.requestSubmit();
  });
  textarea.addEventListener("input", () => {
    state.draft = textarea.value;
    save();
    updateCounter();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    if (cancelRestart()) restartButton.focus();
    else close();
  });

  function start() {
    // A message that was on its way when the page was left is sent again (at least once).
    for (const message of state.messages) {
      if (message.status === "sending") message.status = "pending";
    }
    document.body.append(host);
    textarea.value = state.draft || "";
    updateCounter();
    renderAll();
    if (state.open) open(false);
    // Messages typed while the server was away are sent without waiting for the citizen.
    else if (state.messages.some((m) => m.status === "pending")) connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
