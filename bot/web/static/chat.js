"use strict";
// The browser chat. Every text from the person or the bot is put in the page as text nodes
// (links built as elements), never as HTML.
(() => {
  const STORE = "relais.chat.v1";
  const MAX_KEPT = 150;
  // A request still unanswered after this long is given up: the person can send it again.
  const GIVE_UP_MS = 30000;
  // "Reply with its number": the buttons then show the numbers the text speaks of.
  const SPEAKS_OF_NUMBERS = /r[ée]pondez[^.\n]{0,30}num[ée]ro|tapez[^.\n]{0,30}num[ée]ro|reply[^.\n]{0,30}number|type[^.\n]{0,30}number|برقم/i;
  const SOURCES_LINE = /^\s*(sources?\s*:|المصادر\s*:)/i;
  // Web addresses, international numbers (+241 ...) and local ones (011 ..., 06 ...).
  const LINKS = /(https?:\/\/[^\s<>"']+)|((?<![\w+/-])\+\d{1,3}(?:[ .-]?\d){6,13}(?![\w/-]))|((?<![\w/-])0\d(?:[ .-]?\d){6,9}(?![\w/-]))/g;

  const root = document.documentElement;
  const log = document.getElementById("log");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const strings = JSON.parse(document.body.dataset.strings || "{}");
  let locale = document.body.dataset.locale || "fr";
  let busy = false;
  const shownSources = new Set();
  const state = load();

  function t(key) {
    return (strings[locale] || strings.fr || {})[key] || "";
  }

  function load() {
    try {
      const kept = JSON.parse(sessionStorage.getItem(STORE) || "null");
      if (kept && Array.isArray(kept.entries)) return kept;
    } catch (error) {
      // A private window may refuse storage: the chat works, it is just not kept.
    }
    return {entries: [], pending: null, turn: 0, locale: null};
  }

  function save() {
    state.entries = state.entries.slice(-MAX_KEPT);
    // The message waiting for its answer is kept by position, found again after a reload.
    if (state.pending) {
      const index = state.entries.indexOf(state.pending.mine);
      state.pending.entry = index < 0 ? null : index;
    }
    try {
      sessionStorage.setItem(STORE, JSON.stringify(state, (key, value) => (key === "mine" || key === "div" ? undefined : value)));
    } catch (error) {
      // Full or refused: the conversation goes on without being kept.
    }
  }

  function newId() {
    const bytes = new Uint8Array(6);
    crypto.getRandomValues(bytes);
    return Date.now().toString(36) + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function applyLocale(lang) {
    if (!strings[lang]) return;
    locale = lang;
    state.locale = lang;
    root.lang = lang;
    root.dir = strings[lang].dir;
    document.title = t("title");
    document.getElementById("title").textContent = t("title");
    document.getElementById("subtitle").textContent = t("subtitle");
    input.placeholder = t("placeholder");
    input.setAttribute("aria-label", t("placeholder"));
    sendButton.textContent = t("send");
  }

  function appendWithLinks(parent, text) {
    let last = 0;
    for (const match of text.matchAll(LINKS)) {
      let found = match[0];
      const anchor = document.createElement("a");
      if (match[1]) {
        found = found.replace(/[.,;:!?)\]]+$/, "");
        anchor.href = found;
        anchor.target = "_blank";
        anchor.rel = "noopener noreferrer";
      } else {
        const digits = found.replace(/[^\d+]/g, "");
        const count = digits.replace("+", "").length;
        if (count < 8 || count > 15) continue;
        anchor.href = "tel:" + digits;
      }
      parent.append(text.slice(last, match.index));
      anchor.textContent = found;
      parent.append(anchor);
      last = match.index + found.length;
    }
    parent.append(text.slice(last));
  }

  function splitSources(text) {
    const lines = text.split("\n");
    const index = lines.findIndex((line) => SOURCES_LINE.test(line));
    if (index < 0) return [text, null];
    const sources = lines[index].trim();
    lines.splice(index, 1);
    return [lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd(), sources];
  }

  function renderMine(entry) {
    const div = document.createElement("div");
    div.className = "msg me" + (entry.failed ? " failed" : "");
    div.dir = "auto";
    div.textContent = entry.text;
    log.appendChild(div);
    return div;
  }

  function renderBot(entry) {
    const div = document.createElement("div");
    div.className = "msg bot";
    if (entry.lang && strings[entry.lang]) {
      div.lang = entry.lang;
      div.dir = strings[entry.lang].dir;
    }
    const [body, sources] = splitSources(entry.text);
    appendWithLinks(div, body);
    if (sources && !shownSources.has(sources)) {
      // Sources once, folded: a follow-up on the same guide does not repeat them.
      shownSources.add(sources);
      const details = document.createElement("details");
      details.className = "sources";
      const summary = document.createElement("summary");
      summary.textContent = (strings[entry.lang] || strings[locale] || {}).sources || "Sources";
      details.appendChild(summary);
      appendWithLinks(details, sources);
      div.appendChild(details);
    }
    if (entry.choices && entry.choices.length) {
      const numbered = SPEAKS_OF_NUMBERS.test(entry.text);
      const row = document.createElement("div");
      row.className = "choices";
      entry.choices.forEach((choice, position) => {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.turn = String(entry.turn);
        if (numbered) {
          const number = document.createElement("span");
          number.className = "num";
          number.textContent = String(position + 1) + ".";
          button.appendChild(number);
        }
        button.append(choice.label);
        button.addEventListener("click", () => send({payload: choice.payload}, choice.label));
        row.appendChild(button);
      });
      div.appendChild(row);
    }
    log.appendChild(div);
    return div;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    // Only the buttons of the last answer count: the bot reads a choice against them.
    log.querySelectorAll(".choices button").forEach((button) => {
      button.disabled = value || Number(button.dataset.turn) !== state.turn;
    });
  }

  function showTyping() {
    const typing = document.createElement("div");
    typing.className = "typing";
    typing.setAttribute("role", "status");
    typing.setAttribute("aria-label", t("typing"));
    typing.title = t("typing");
    for (let i = 0; i < 3; i++) typing.appendChild(document.createElement("span"));
    log.appendChild(typing);
    log.scrollTop = log.scrollHeight;
    return typing;
  }

  function clearFailures() {
    log.querySelectorAll(".error").forEach((row) => row.remove());
  }

  function showFailure(pending, mineDiv) {
    if (mineDiv) mineDiv.classList.add("failed");
    const row = document.createElement("div");
    row.className = "error";
    row.setAttribute("role", "alert");
    row.append(t("offline"));
    const again = document.createElement("button");
    again.type = "button";
    again.className = "retry";
    again.textContent = t("retry");
    again.addEventListener("click", () => {
      if (busy) return;
      row.remove();
      if (mineDiv) mineDiv.classList.remove("failed");
      // The same id: a message the server handled before the answer was lost is not applied twice.
      send(pending.body, null, mineDiv, pending.mine);
    });
    row.appendChild(again);
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  async function send(body, shown, mineDiv = null, mine = null) {
    if (busy) return;
    clearFailures();
    if (!body.id) body.id = newId();
    body.lang = (navigator.language || locale).slice(0, 16);
    if (shown) {
      mine = {who: "me", text: shown};
      state.entries.push(mine);
      mineDiv = renderMine(mine);
    }
    if (mine) mine.failed = false;
    state.pending = {body, mine};
    save();
    setBusy(true);
    const typing = showTyping();
    let data;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), GIVE_UP_MS);
    try {
      const response = await fetch("chat/messages", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        credentials: "same-origin",
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
      clearTimeout(timer);
    } catch (error) {
      clearTimeout(timer);
      typing.remove();
      if (mine) mine.failed = true;
      save();
      setBusy(false);
      showFailure(state.pending, mineDiv);
      return;
    }
    typing.remove();
    state.pending = null;
    state.turn += 1;
    let first = null;
    for (const reply of data.replies || []) {
      const entry = {who: "bot", text: reply.text, choices: reply.choices || [], lang: reply.lang, turn: state.turn};
      state.entries.push(entry);
      const div = renderBot(entry);
      first = first || div;
    }
    const replies = data.replies || [];
    if (replies.length && replies[replies.length - 1].lang) applyLocale(replies[replies.length - 1].lang);
    save();
    setBusy(false);
    // A long answer opens at its start: the person reads down from its title.
    if (first) log.scrollTop = first.offsetTop - 8;
  }

  function restore() {
    let lastTurnStart = null;
    state.entries.forEach((entry, index) => {
      const div = entry.who === "me" ? renderMine(entry) : renderBot(entry);
      if (entry.who === "bot" && entry.turn === state.turn && lastTurnStart === null) lastTurnStart = div;
      if (state.pending && state.pending.entry === index) {
        state.pending.mine = entry;
        state.pending.div = div;
      }
    });
    if (state.locale) applyLocale(state.locale);
    setBusy(false);
    if (state.pending) {
      // Left while waiting, or after a failure: the message can be sent again, with its id.
      const mine = state.pending.div || null;
      delete state.pending.div;
      showFailure(state.pending, mine);
    } else if (lastTurnStart) {
      log.scrollTop = lastTurnStart.offsetTop - 8;
    }
  }

  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send({text}, text);
  });

  // What staff write from the console (and news of a dossier) arrives between messages.
  async function poll() {
    try {
      const response = await fetch("chat/updates", {credentials: "same-origin"});
      if (!response.ok) return;
      const replies = (await response.json()).replies || [];
      for (const reply of replies) {
        const entry = {who: "bot", text: reply.text, choices: reply.choices || [], lang: reply.lang, turn: state.turn};
        state.entries.push(entry);
        renderBot(entry);
      }
      if (replies.length) {
        save();
        log.scrollTop = log.scrollHeight;
      }
    } catch (error) {
      // Offline for now: the next look catches up.
    }
  }
  setInterval(poll, 3000);

  if (state.entries.length || state.pending) {
    restore();
  } else {
    // A greeting opens the conversation, or picks up a form left half-way.
    // In the browser's language when the page speaks it: the bot answers in the greeting's.
    const browser = (navigator.language || "").slice(0, 2).toLowerCase();
    const greeting = (strings[browser] || strings[locale] || {}).greeting || "bonjour";
    send({text: greeting}, null);
  }
})();
