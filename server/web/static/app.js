// The chat page: conversations and settings live in localStorage; the
// server keeps no state for the page. Each send posts the whole
// conversation and streams the answer into the last message.

import { renderMarkdown } from "./markdown.js";
import { listModels, streamChat } from "./api.js";

const $ = (id) => document.getElementById(id);
const CHATS_KEY = "gollm.chats.v1";
const SETTINGS_KEY = "gollm.settings.v1";
const settingFields = ["model", "api", "system", "temperature", "top_p", "num_predict", "seed", "api_key"];

function load(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    setStatus("could not save: " + e.message);
  }
}

// chats: [{id, title, model, updated, messages: [{role, content, thinking?, meta?, error?}]}]
let chats = load(CHATS_KEY, []);
let settings = load(SETTINGS_KEY, { api: "ollama" });
// The page opens on the chat touched last.
let current = chats.reduce((a, c) => (!a || c.updated > a.updated ? c : a), null)?.id ?? null;
let controller = null; // the AbortController of the answer streaming now

const chatById = (id) => chats.find((c) => c.id === id);
const saveChats = () => save(CHATS_KEY, chats);
const setStatus = (text) => { $("status").textContent = text; };

function newChat() {
  stop();
  current = null;
  renderAll();
  $("prompt").focus();
}

function renderSidebar() {
  const nav = $("chats");
  nav.replaceChildren();
  for (const c of [...chats].sort((a, b) => b.updated - a.updated)) {
    const item = document.createElement("div");
    item.className = "chat-item" + (c.id === current ? " active" : "");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = c.title || "Untitled";
    open.title = c.title;
    open.addEventListener("click", () => { stop(); current = c.id; renderAll(); });
    const del = document.createElement("button");
    del.type = "button";
    del.className = "delete";
    del.textContent = "✕";
    del.title = "Delete this chat";
    del.addEventListener("click", () => {
      if (c.id === current) { stop(); current = null; }
      chats = chats.filter((x) => x !== c);
      saveChats();
      renderAll();
    });
    item.append(open, del);
    nav.append(item);
  }
}

function messageElement(m) {
  const el = document.createElement("article");
  el.className = `msg ${m.role}` + (m.error ? " error" : "");
  const role = document.createElement("div");
  role.className = "role";
  role.textContent = m.role === "user" ? "you" : m.model || "assistant";
  const body = document.createElement("div");
  body.className = "body";
  const meta = document.createElement("div");
  meta.className = "meta";
  el.append(role, body, meta);
  fillMessage(el, m);
  return el;
}

function fillMessage(el, m) {
  const body = el.querySelector(".body");
  if (m.role === "user") {
    body.textContent = m.content;
  } else {
    const frag = document.createDocumentFragment();
    if (m.thinking) {
      const d = document.createElement("details");
      const s = document.createElement("summary");
      s.textContent = "thinking";
      d.append(s, m.thinking);
      frag.append(d);
    }
    frag.append(renderMarkdown(m.content));
    if (m.error) {
      const p = document.createElement("p");
      p.textContent = "⚠ " + m.error;
      frag.append(p);
    }
    body.replaceChildren(frag);
  }
  el.querySelector(".meta").textContent = m.meta ?? "";
}

function renderMessages() {
  const box = $("messages");
  const chat = chatById(current);
  box.replaceChildren();
  if (!chat || chat.messages.length === 0) {
    const p = document.createElement("p");
    p.id = "empty";
    p.className = "hint";
    p.textContent = "Pick a model and say something. Conversations stay in this browser.";
    box.append(p);
  } else {
    for (const m of chat.messages) box.append(messageElement(m));
  }
  $("chat-title").textContent = chat?.title || "New chat";
  box.scrollTop = box.scrollHeight;
}

function renderAll() {
  renderSidebar();
  renderMessages();
}

function readSettings() {
  for (const f of settingFields) settings[f] = $(f).value;
  save(SETTINGS_KEY, settings);
}

async function loadModels() {
  const sel = $("model");
  try {
    const models = await listModels(settings.api_key);
    sel.replaceChildren();
    for (const m of models) {
      const o = document.createElement("option");
      o.value = m.name;
      o.textContent = m.detail ? `${m.name} (${m.detail})` : m.name;
      sel.append(o);
    }
    if (models.length === 0) {
      sel.append(new Option("no models", ""));
      setStatus("the server lists no models");
    }
    if (models.some((m) => m.name === settings.model)) sel.value = settings.model;
    settings.model = sel.value;
  } catch (e) {
    sel.replaceChildren(new Option("(could not list models)", ""));
    setStatus("model list: " + e.message);
  }
}

function formatStats(s) {
  const parts = [];
  if (s.tokens !== undefined) parts.push(`${s.tokens} tokens`);
  if (s.tokensPerSecond) parts.push(`${s.tokensPerSecond.toFixed(1)} tok/s`);
  if (s.reason) parts.push(s.reason);
  return parts.join(" · ");
}

function setStreaming(on) {
  document.body.dataset.state = on ? "streaming" : "idle";
  $("send").hidden = on;
  $("stop").hidden = !on;
}

function stop() {
  controller?.abort();
}

async function send(text) {
  readSettings();
  if (!settings.model) {
    setStatus("no model selected");
    return;
  }
  let chat = chatById(current);
  if (!chat) {
    chat = { id: crypto.randomUUID?.() ?? String(Date.now()) + Math.random(), title: "", messages: [], updated: Date.now() };
    chats.push(chat);
    current = chat.id;
  }
  if (!chat.title) chat.title = text.slice(0, 60);
  chat.model = settings.model;
  chat.messages.push({ role: "user", content: text });
  const answer = { role: "assistant", content: "", model: settings.model };
  chat.messages.push(answer);
  chat.updated = Date.now();
  saveChats();
  renderAll();

  // The request: the system prompt, then the turns so far (not failed
  // answers, not the empty answer being written).
  const history = chat.messages.slice(0, -1).filter((m) => !m.error || m.content);
  const messages = [];
  if (settings.system.trim()) messages.push({ role: "system", content: settings.system });
  for (const m of history) messages.push({ role: m.role, content: m.content });

  const el = $("messages").lastElementChild;
  el.classList.add("streaming");
  controller = new AbortController();
  const myController = controller;
  setStreaming(true);
  setStatus("");
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const box = $("messages");
      const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
      fillMessage(el, answer);
      if (atBottom) box.scrollTop = box.scrollHeight;
    });
  };
  try {
    for await (const ev of streamChat(settings, messages, myController.signal)) {
      if (ev.done) {
        answer.meta = formatStats(ev.stats);
        break;
      }
      answer.content += ev.content;
      if (ev.thinking) answer.thinking = (answer.thinking ?? "") + ev.thinking;
      redraw();
    }
  } catch (e) {
    if (myController.signal.aborted) {
      answer.meta = "stopped";
    } else {
      answer.error = e.message;
    }
  } finally {
    if (controller === myController) controller = null;
    el.classList.remove("streaming");
    el.classList.toggle("error", Boolean(answer.error));
    fillMessage(el, answer);
    chat.updated = Date.now();
    saveChats();
    setStreaming(false);
  }
}

function init() {
  for (const f of settingFields) {
    if (settings[f] !== undefined && f !== "model") $(f).value = settings[f];
    $(f).addEventListener("change", readSettings);
  }
  $("api_key").addEventListener("change", loadModels);
  if (!settings.api) $("api").value = "ollama";
  $("new-chat").addEventListener("click", newChat);
  $("stop").addEventListener("click", stop);
  $("clear-chats").addEventListener("click", () => {
    if (!confirm("Delete all chats in this browser?")) return;
    stop();
    chats = [];
    current = null;
    saveChats();
    renderAll();
  });
  $("toggle-sidebar").addEventListener("click", () => document.body.classList.toggle("sidebar-hidden"));
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("prompt").value;
    if (!text.trim() || controller) return;
    $("prompt").value = "";
    send(text);
  });
  $("prompt").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    } else if (e.key === "Escape") {
      stop();
    }
  });
  // Another tab changed the chats: show them.
  window.addEventListener("storage", (e) => {
    if (e.key === CHATS_KEY && !controller) {
      chats = load(CHATS_KEY, []);
      if (!chatById(current)) current = null;
      renderAll();
    }
  });
  renderAll();
  loadModels();
}

init();
