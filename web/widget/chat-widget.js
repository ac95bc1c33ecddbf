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
  // A neutral public-service blue by default: the State's own colours and marks are not for a
  // département's site (README, "Identity"). The page gives its own with data-primary-color.
  const DEFAULT_PRIMARY = "#1f4e79";
  const DEFAULT_PRIMARY_HOVER = "#163a5c";
  // The counter shows only when the message gets near the limit.
  const COUNTER_FROM = 0.8;
  // Full screen (phones, high zoom, short screens): the window is a modal over an inert page.
  const FULL_SCREEN = "(max-width: 36em), (max-height: 32em)";
  const SHORT_SCREEN = "(max-height: 24em)"; // as in chat-widget.css
  const ASK_HUMAN_PAYLOAD = "/ask_human";
  // The topics, as a sentence: written by `python -m triage.generators.catalogue` from bot/catalogue.yml.
  const TOPICS_SENTENCE = "l’APA, le RSA, la carte Imagine R et les collèges";

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

  // The hover shade of a page colour given alone: 20 % towards black (still readable on white).
  function darker(hex) {
    const match = /^#([0-9a-f]{6})$/i.exec((hex || "").trim());
    if (!match) return "";
    const channels = [0, 2, 4].map((i) => Math.round(parseInt(match[1].slice(i, i + 2), 16) * 0.8));
    return "#" + channels.map((c) => c.toString(16).padStart(2, "0")).join("");
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
      primaryHover: data.primaryHoverColor || darker(data.primaryColor) || DEFAULT_PRIMARY_HOVER,
      storageKey: "triage-chat:" + server.origin,
      // CSS selector of the page element the widget's button follows in the tab order (the
      // skip links); without it the button is the page's first stop.
      after: data.after || "",
      font: data.font || "",
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

  // Numbers a citizen can call: a ten-digit French number (spaced or not), a 39xx service
  // number, 3114, and the short emergency numbers after "appelez le" ("le 15 mai" is a date). On a phone
  // they are one tap away; a computer offers its calling application, or nothing.
  // The 01 99 00 range is ARCEP's fictitious one, for examples: never a link.
  const PHONE =
    /(?<![\d/-])(?!01[ .\u00a0]?99[ .\u00a0]?00)(0[1-9](?:[ .\u00a0]?\d{2}){4}|39\d{2}|3114)(?![\d/-])|(?<=\b(?:appelez|appeler|composez|composer) le )(1[5-9]|11[2459])(?!\d)/gi;

  function telHref(number) {
    return "tel:" + number.replace(/\D/g, "");
  }

  function appendPhones(parent, text) {
    let last = 0;
    for (const match of text.matchAll(PHONE)) {
      const number = match[1] || match[2];
      parent.append(text.slice(last, match.index));
      parent.append(el("a", { href: telHref(number), class: "link tel", text: number }));
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(BOLD)) {
      appendPhones(parent, text.slice(last, match.index));
      parent.append(el("strong", { text: match[1] }));
      last = match.index + match[0].length;
    }
    appendPhones(parent, text.slice(last));
  }

  function makeLink(href, label) {
    const link = el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "link" });
    link.append(label.replace(BOLD, "$1")); // no link (tel:) inside a link
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

  // Shown only once there is a conversation to leave.
  const restartButton = button("", "btn btn-tertiary-no-outline btn-icon", {
    title: "Nouvelle conversation",
    "aria-label": "Nouvelle conversation",
    "aria-expanded": "false",
    "aria-controls": "tc-confirm",
    hidden: true,
  });
  restartButton.append(el("span", { class: "icon icon-refresh", "aria-hidden": "true" }));

  const confirmYes = button("Oui, recommencer", "btn btn-sm");
  const confirmNo = button("Annuler", "btn btn-sm btn-secondary");
  const confirmBox = el("div", { id: "tc-confirm", class: "confirm", role: "group", "aria-labelledby": "tc-confirm-text", hidden: true }, [
    el("p", {
      id: "tc-confirm-text",
      text: "Commencer une nouvelle conversation ? Les messages affichés seront effacés de cet écran.",
    }),
    el("div", { class: "btn-group" }, [confirmYes, confirmNo]),
  ]);

  // One line: the conversation, not the header, gets the height (text enlarged to 400 %).
  const header = el("div", { class: "header" }, [
    el("h2", { id: ids.title, class: "title", text: config.title }),
    restartButton,
    closeButton,
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
      const item = el("li", {}, [el("strong", { text: label })]);
      appendPhones(item, text);
      list.append(item);
    }
    notice.append(
      el("h3", { id: "tc-notice-title", class: "notice-title", tabindex: "-1" }, [
        el("span", { class: "icon icon-info", "aria-hidden": "true" }),
        "Avant de commencer",
      ]),
      el("p", {
        text: `Cet assistant automatique répond aux questions sur ${TOPICS_SENTENCE}. Il ne remplace pas l’étude de votre dossier par un agent.`,
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
    "Bonjour ! Je suis un assistant automatique ; un conseiller peut vous rappeler. " +
    "Posez votre question en quelques mots, par exemple : « Comment demander l’APA ? ».";

  const log = el("ol", { class: "messages", "aria-label": "Messages de la conversation" });
  const typing = el("div", { class: "typing", hidden: true }, [
    el("span", { class: "dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", { text: "L’assistant écrit…" }),
  ]);
  // Shown while messages the citizen has not seen yet are below the visible part; it floats at
  // the bottom of the messages, inside their scrolling area, so that the wheel or a finger over
  // it scrolls the messages too.
  const newMessagesCue = button("Nouveaux messages", "btn btn-sm new-messages", { hidden: true });
  newMessagesCue.append(el("span", { class: "icon icon-arrow-down", "aria-hidden": "true" }));
  const cueRow = el("div", { class: "new-messages-row" }, [newMessagesCue]);
  const conversation = el("div", { class: "conversation", tabindex: "-1" }, [intro, log, typing, cueRow]);
  const conversationFrame = el("div", { class: "conversation-frame" }, [conversation]);

  // The proposed answers of the assistant's last message, between the conversation and the
  // composer: always in view, one Shift+Tab from the message field. After a choice the focus
  // stays here (no phone keyboard opening over the next choices).
  const repliesBar = el("div", {
    class: "replies-bar",
    role: "group",
    "aria-label": "Réponses proposées",
    tabindex: "-1",
  });

  const statusBanner = el("div", { class: "status", hidden: true }, [
    el("span", { class: "icon icon-warning", "aria-hidden": "true" }),
  ]);
  const statusText = el("p", { class: "status-text" });
  const retryButton = button("Réessayer maintenant", "btn btn-sm btn-secondary");
  statusBanner.append(el("div", {}, [statusText, retryButton]));

  // In a very short window the two tools are icons in the header: the labels stay for screen
  // readers (and as tooltips).
  const askHuman = el("button", { type: "button", class: "btn btn-sm btn-secondary", title: "Parler à un conseiller" }, [
    el("span", { class: "icon icon-phone", "aria-hidden": "true" }),
    el("span", { class: "tool-label", text: "Parler à un conseiller" }),
  ]);
  const privacyButton = el("button", { type: "button", class: "btn btn-sm btn-tertiary-no-outline", title: "Vos données" }, [
    el("span", { class: "icon icon-info tool-icon", "aria-hidden": "true" }),
    el("span", { class: "tool-label", text: "Vos données" }),
  ]);

  const textarea = el("textarea", {
    id: ids.input,
    class: "input",
    rows: "1",
    autocomplete: "off",
    placeholder: "Votre message",
    "aria-describedby": ids.hint,
  });
  const counter = el("p", { id: ids.counter, class: "counter", hidden: true });
  const errorMessage = el("p", { id: ids.error, class: "error-text", hidden: true });
  const sendButton = el("button", { type: "submit", class: "btn send" }, ["Envoyer"]);
  sendButton.prepend(el("span", { class: "icon icon-send", "aria-hidden": "true" }));
  // Keyboard advice is for keyboards: phones and tablets do not show it.
  const touchOnly = window.matchMedia("(pointer: coarse)").matches;
  const hint = el("p", {
    id: ids.hint,
    class: "hint",
    text: "Entrée pour envoyer, Maj + Entrée pour aller à la ligne.",
    hidden: touchOnly,
  });
  const form = el("form", { class: "composer", novalidate: true }, [
    el("div", { class: "composer-head" }, [
      el("label", { for: ids.input, class: "label", text: "Votre message" }),
      hint,
    ]),
    el("div", { class: "composer-row" }, [textarea, sendButton]),
    errorMessage,
    counter,
  ]);

  const tools = el("div", { class: "tools" }, [askHuman, privacyButton]);
  const chatArea = el("div", { class: "chat" }, [conversationFrame, statusBanner, repliesBar, form, tools]);

  // One polite live region for everything a screen reader should hear as it happens: the
  // assistant's messages, connection changes, refusals. The visible list is not live, so that
  // the history restored after a reload is not read out again.
  const live = el("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "false" });

  const panel = el(
    "section",
    {
      id: ids.panel,
      class: "panel",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": ids.title,
      hidden: true,
    },
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

  // The page's own font (data-font, from departement.yml), else the stylesheet's free fonts.
  // Fonts are the page's: @font-face is ignored inside a shadow root.
  if (config.font) host.style.setProperty("--font", config.font);

  // ---------------------------------------------------------------- announcements

  function announce(text) {
    const line = el("p", { text });
    live.append(line);
    // Old lines are removed once read, so that the region does not grow without end.
    setTimeout(() => line.remove(), 15000);
  }

  // ---------------------------------------------------------------- messages

  // A ticket reference ("261122-483920", "-2" when two were made at once): worth a copy button,
  // since the citizen will be asked for it.
  const REFERENCE = /\b\d{6}-\d{6}(?:-\d{1,2})?\b/;

  function copyButton(reference) {
    const copy = button("Copier la référence", "btn btn-sm btn-secondary copy", {
      "aria-label": `Copier la référence ${reference}`,
    });
    copy.prepend(el("span", { class: "icon icon-copy", "aria-hidden": "true" }));
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(reference);
        copy.lastChild.textContent = "Référence copiée";
        announce(`La référence ${reference} est copiée.`);
      } catch (error) {
        announce(`La copie n’a pas marché : notez la référence ${reference}.`);
      }
    });
    return copy;
  }

  // A long answer (a fiche) shows its first paragraph and its next step; the rest is one tap
  // away behind « En savoir plus », in the same message.
  const SHORT_ANSWER = 400;
  const NEXT_STEP = /^(Prochaine étape|À faire)/;

  function splitAnswer(text) {
    const paragraphs = text.split(/\n{2,}/);
    if (text.length <= SHORT_ANSWER || paragraphs.length < 3) return null;
    const [first, ...rest] = paragraphs;
    const next = rest.filter((p) => NEXT_STEP.test(p));
    const details = rest.filter((p) => !NEXT_STEP.test(p));
    return { summary: [first, ...next].join("\n\n"), details: details.join("\n\n") };
  }

  function moreButton(message, details) {
    const more = button(message.expanded ? "Masquer les détails" : "En savoir plus", "btn btn-sm btn-tertiary more", {
      "aria-expanded": message.expanded ? "true" : "false",
      "aria-controls": details.id,
    });
    more.addEventListener("click", () => {
      message.expanded = !message.expanded;
      save();
      details.hidden = !message.expanded;
      more.setAttribute("aria-expanded", String(message.expanded));
      more.textContent = message.expanded ? "Masquer les détails" : "En savoir plus";
    });
    return more;
  }

  function fillBubble(bubble, message) {
    const parts = message.from === "bot" ? splitAnswer(message.text || "") : null;
    if (!parts) {
      renderText(bubble, message.text || "");
      return;
    }
    renderText(bubble, parts.summary);
    const details = el("div", { id: `tc-more-${message.id}`, class: "details", hidden: !message.expanded });
    renderText(details, parts.details);
    bubble.append(details, el("div", { class: "more-row" }, [moreButton(message, details)]));
  }

  function messageNode(message) {
    const item = el("li", { class: `message message-${message.from}`, "data-id": String(message.id) });
    const bubble = el("div", { class: "bubble" });
    bubble.append(srOnly(message.from === "user" ? "Vous : " : "L’assistant : "));
    fillBubble(bubble, message);
    if (message.image) {
      bubble.append(el("br"), makeLink(message.image, "Voir l’image"));
    }
    item.append(bubble);
    if (message.feedback) item.append(feedbackNode(message));
    const reference = message.from === "bot" && REFERENCE.exec(message.text || "");
    if (reference) item.append(copyButton(reference[0]));
    if (message.from === "user" && message.status === "pending") {
      item.append(el("p", { class: "message-status", text: "En attente d’envoi" }));
    }
    return item;
  }

  // The main action of a confirmation (the recap's « Oui, je confirme », beside « Annuler la
  // demande ») is the one filled button; everything else is outlined. Only there: a plain
  // Oui / Non (consent, for one) stays neutral.
  function replyClass(reply, replies) {
    const confirmation = replies.some((r) => r.payload === "/cancel");
    if (confirmation && reply.payload === "/affirm") return "btn reply reply-main";
    if (reply.payload === "/cancel") return "btn btn-tertiary reply reply-cancel";
    return "btn btn-secondary reply";
  }

  function chooseReply(reply) {
    // The button is about to go with its group: the focus goes to the group, not to the message
    // field (on a phone that would open the keyboard over the next choices).
    repliesBar.focus({ preventScroll: true });
    sendUserMessage(reply.title, reply.payload);
  }

  function fillReplies(replies) {
    const buttons = replies.map((reply) => {
      const choice = button(reply.title, replyClass(reply, replies));
      choice.addEventListener("click", () => chooseReply(reply));
      return choice;
    });
    // Never hidden, even empty: it may hold the focus while the answer is on its way.
    repliesBar.replaceChildren(...buttons);
  }

  function lastMessage() {
    return state.messages[state.messages.length - 1];
  }

  // Quick replies belong to the assistant's last message only: once the citizen has answered,
  // the old ones are gone (they would send an answer to a question no longer asked).
  function refreshReplies() {
    const last = lastMessage();
    const waiting = shadow.activeElement === repliesBar;
    fillReplies(last && last.from === "bot" && last.replies ? last.replies : []);
    if (!waiting || !last || last.from !== "bot") return;
    // The citizen chose with a button: the next choices get the focus as they come, or else the
    // answer itself (Tab goes on to its links, then to the message field).
    if (repliesBar.firstElementChild) repliesBar.firstElementChild.focus();
    else focusMessage(log.lastElementChild);
  }

  function focusMessage(node) {
    node.setAttribute("tabindex", "-1");
    node.focus({ preventScroll: true });
  }

  function refreshRestart() {
    restartButton.hidden = state.messages.length === 0;
  }

  function renderAll() {
    log.replaceChildren(...state.messages.map(messageNode));
    intro.hidden = state.messages.length > 0;
    seenId = state.messages.length ? state.messages[state.messages.length - 1].id : 0;
    refreshReplies();
    refreshRestart();
    scrollToEnd();
  }

  function addMessage(message) {
    message.id = state.nextId++;
    state.messages.push(message);
    save();
    log.append(messageNode(message));
    intro.hidden = true;
    if (message.from === "user") seenId = message.id;
    refreshReplies();
    refreshRestart();
    scrollToLatest();
    updateCue();
    return message;
  }

  function updateMessage(message) {
    save();
    const node = log.querySelector(`[data-id="${message.id}"]`);
    if (node) node.replaceWith(messageNode(message));
  }

  function scrollToEnd() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  // The end of the conversation, unless the answer to the citizen's last question is taller
  // than the window: then the question and the start of the answer stay in view, to be read
  // downwards (long fiches, text enlarged to 200 %), with the "new messages" cue below.
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

  // ------------------------------------------------------------ "new messages" cue

  let seenId = 0; // the last message whose end the citizen has had in view

  function unseenNodes() {
    return Array.from(log.children).filter((node) => Number(node.dataset.id) > seenId);
  }

  // Messages whose end is inside the visible part count as seen; the cue stays while any new
  // message is still below.
  function updateCue() {
    if (panel.hidden || chatArea.hidden) return;
    const bottom = conversation.getBoundingClientRect().bottom;
    for (const node of unseenNodes()) {
      if (node.getBoundingClientRect().bottom > bottom + 1) break;
      seenId = Number(node.dataset.id);
    }
    newMessagesCue.hidden = unseenNodes().length === 0;
  }

  function showNewMessages() {
    const first = unseenNodes()[0];
    if (first) {
      const offset = first.getBoundingClientRect().top - conversation.getBoundingClientRect().top;
      conversation.scrollTop += offset - 8;
    }
    // The conversation takes the focus, so that the arrow keys scroll on from there.
    conversation.focus({ preventScroll: true });
    updateCue();
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
      box.append(el("p", { class: "feedback-error", role: "alert", text: "Votre avis n’a pas pu être enregistré. Réessayez." }));
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

  // The field is described by what is shown: the error, the keyboard hint (not on phones),
  // the counter (near the limit only).
  function describeInput() {
    const shown = [errorMessage, hint, counter].filter((node) => !node.hidden).map((node) => node.id);
    if (shown.length) textarea.setAttribute("aria-describedby", shown.join(" "));
    else textarea.removeAttribute("aria-describedby");
  }

  function showError(text) {
    errorMessage.textContent = text;
    errorMessage.hidden = false;
    textarea.setAttribute("aria-invalid", "true");
    form.classList.add("has-error");
    describeInput();
  }

  function clearError() {
    errorMessage.hidden = true;
    textarea.removeAttribute("aria-invalid");
    form.classList.remove("has-error");
    describeInput();
  }

  function tooLongText(count) {
    return (
      `Votre message est trop long : ${count} caractères pour ${config.maxLength} au maximum. ` +
      "Raccourcissez-le ou envoyez-le en plusieurs fois."
    );
  }

  // The field grows with what is typed, up to its CSS max-height (then it scrolls).
  function growInput() {
    textarea.style.height = "auto";
    textarea.style.height = `${textarea.scrollHeight + 2}px`;
  }

  function updateCounter() {
    const count = characterCount(textarea.value.trim());
    counter.textContent = `${count} / ${config.maxLength} caractères`;
    counter.classList.toggle("over", count > config.maxLength);
    counter.hidden = count < config.maxLength * COUNTER_FROM;
    if (count <= config.maxLength && !errorMessage.hidden) clearError();
    else describeInput();
    growInput();
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

  // The notice is read from its top: the focus goes to its title, not to the button at its end.
  function showNotice(firstTime) {
    notice.hidden = false;
    chatArea.hidden = true;
    noticeAccept.hidden = !firstTime;
    noticeClose.hidden = firstTime;
    panel.setAttribute("aria-describedby", ids.notice);
    notice.scrollTop = 0;
  }

  function focusNotice() {
    notice.scrollTop = 0;
    notice.querySelector("h3").focus({ preventScroll: true });
  }

  // Where the citizen types, except on a touch screen, where focusing the field would open the
  // keyboard over the conversation: there the conversation takes the focus, and a tap on the
  // field opens the keyboard when the citizen wants it.
  function focusComposer() {
    if (touchOnly) conversation.focus({ preventScroll: true });
    else textarea.focus();
  }

  // ------------------------------------------------------------ very short windows

  // Text enlarged to 400 % (320 × 200 px) or a phone held sideways: a header, a row of choices
  // and the message field leave no room for three lines of messages. The proposed answers then
  // follow the messages, in the one area that scrolls, and the tools go to the header, so that
  // the wheel or a finger over the window scrolls the messages and nothing else.
  const shortScreen = window.matchMedia(SHORT_SCREEN);

  function fitShortScreen() {
    if (shortScreen.matches) {
      conversation.append(repliesBar);
      header.insertBefore(tools, restartButton);
    } else {
      chatArea.insertBefore(repliesBar, form);
      chatArea.append(tools);
    }
  }

  // ------------------------------------------------------------ modal behaviour

  const fullScreen = window.matchMedia(FULL_SCREEN);
  const madeInert = new Set();

  // In full screen the page behind cannot be seen: it cannot be reached either (Tab, a screen
  // reader's virtual cursor). The corner window leaves the page usable beside it.
  function updateInert() {
    const cover = !panel.hidden && fullScreen.matches;
    if (cover) {
      for (const node of document.body.children) {
        if (node === host || node.inert || node.tagName === "SCRIPT") continue;
        node.inert = true;
        madeInert.add(node);
      }
    } else {
      for (const node of madeInert) node.inert = false;
      madeInert.clear();
    }
  }

  // A phone's keyboard shrinks only the visual viewport: the full-screen window follows it, so
  // that the conversation is not hidden under the keyboard.
  function fitVisualViewport() {
    const viewport = window.visualViewport;
    if (viewport && fullScreen.matches) {
      host.style.setProperty("--visible-height", `${viewport.height}px`);
      host.style.setProperty("--visible-top", `${viewport.offsetTop}px`);
    } else {
      host.style.removeProperty("--visible-height");
      host.style.removeProperty("--visible-top");
    }
  }

  function focusables() {
    return Array.from(panel.querySelectorAll("button, a[href], textarea, input, select, [tabindex='0']"))
      .filter((node) => !node.disabled && node.getClientRects().length > 0);
  }

  // Tab and Shift+Tab go round inside the window.
  function keepFocusInside(event) {
    if (event.key !== "Tab") return;
    const nodes = focusables();
    if (!nodes.length) return;
    const first = nodes[0];
    const last = nodes[nodes.length - 1];
    const active = shadow.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  function showChat() {
    notice.hidden = true;
    chatArea.hidden = false;
    panel.removeAttribute("aria-describedby");
  }

  function open(moveFocus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    if (state.noticeAccepted) showChat();
    else showNotice(true);
    scrollToEnd();
    updateInert();
    connect();
    if (moveFocus && state.noticeAccepted) focusComposer();
    else if (moveFocus) focusNotice();
  }

  function close() {
    cancelRestart();
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    updateInert();
    launcher.focus();
  }

  function acceptNotice() {
    state.noticeAccepted = true;
    save();
    showChat();
    updateCue();
    focusComposer();
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
    if (state.noticeAccepted) focusComposer();
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
    updateCue();
    privacyButton.focus();
  });
  privacyButton.addEventListener("click", () => {
    showNotice(false);
    focusNotice();
  });
  newMessagesCue.addEventListener("click", showNewMessages);
  conversation.addEventListener("scroll", updateCue, { passive: true });
  panel.addEventListener("keydown", keepFocusInside);
  fullScreen.addEventListener("change", () => {
    updateInert();
    fitVisualViewport();
  });
  if (window.visualViewport) window.visualViewport.addEventListener("resize", fitVisualViewport);
  fitShortScreen();
  shortScreen.addEventListener("change", fitShortScreen);
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

  // Early in the tab order (right after the page's skip links when data-after names them), and
  // a space at the end of the page as tall as the button, so that it covers nothing there (the
  // footer's links); scroll-padding keeps a focused link clear of it.
  function placeHost() {
    const anchor = config.after && document.querySelector(config.after);
    if (anchor) anchor.after(host);
    else document.body.prepend(host);
    const room = el("div", { class: "triage-chat-room", "aria-hidden": "true" });
    room.style.height = "5.5rem";
    document.body.append(room);
    document.documentElement.style.scrollPaddingBottom = "5.5rem";
  }

  function start() {
    // A message that was on its way when the page was left is sent again (at least once).
    for (const message of state.messages) {
      if (message.status === "sending") message.status = "pending";
    }
    placeHost();
    fitVisualViewport();
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
