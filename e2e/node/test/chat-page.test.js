// Drives the chat page in a real headless Chromium (Debian's, not a
// Playwright download): pick the model, send a message, watch the answer
// stream in, stop it mid-answer, then let a second answer finish. The
// network is throttled through the DevTools protocol so the tiny model's
// answer arrives slowly enough to be stopped. Leaves out/chat.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer, MODEL } from "../lib/server.js";

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../out");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const chromeArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let srv, context, userDataDir;

before(async () => {
  srv = await startServer();
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gollm-chromium-"));
  // launchPersistentContext is how Playwright takes a --user-data-dir.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, args: chromeArgs, viewport: { width: 1100, height: 760 },
  });
});

after(async () => {
  await context?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  await srv?.stop();
});

const answerText = (page) => page.locator(".msg.assistant .body").last().innerText();

test("chat page: stream, stop mid-answer, answer again", async () => {
  const page = await context.newPage();
  try {
    await chatFlow(page);
  } catch (e) {
    // Show what the page looked like when it went wrong.
    fs.mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, "failure.png") }).catch(() => {});
    throw e;
  }
});

async function chatFlow(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  await page.goto(srv.base + "/");
  assert.equal(await page.title(), "gollm chat");
  // The model picker fills from /api/tags.
  await page.waitForFunction((m) => [...document.querySelectorAll("#model option")].some((o) => o.value.startsWith(m)), MODEL);
  assert.ok((await page.inputValue("#model")).startsWith(MODEL));

  // A slow network: about 1.5 kB/s, some ten NDJSON lines a second.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: 1500, uploadThroughput: -1 });

  await page.fill("#system", "You tell short stories.");
  await page.fill("#temperature", "0");
  await page.fill("#num_predict", "100");
  await page.fill("#prompt", "Once upon a time");
  await page.press("#prompt", "Enter");

  // Tokens appear one after another while the page says it is streaming.
  await page.waitForSelector("body[data-state=streaming]");
  await page.waitForFunction(() => document.querySelector(".msg.assistant:last-child .body")?.innerText.trim().length > 0);
  const first = await answerText(page);
  await page.waitForFunction((n) => document.querySelector(".msg.assistant:last-child .body").innerText.length > n, first.length);
  const second = await answerText(page);
  assert.ok(second.length > first.length && second.startsWith(first.slice(0, -1)), `${JSON.stringify(first)} then ${JSON.stringify(second)}`);
  assert.equal(await page.isVisible("#stop"), true);
  assert.equal(await page.isVisible("#send"), false);

  await page.click("#stop");
  await page.waitForSelector("body[data-state=idle]");
  const meta = await page.locator(".msg.assistant .meta").last().innerText();
  assert.equal(meta, "stopped");
  const stopped = await answerText(page);
  assert.ok(stopped.length >= second.length, "the stopped answer lost text");
  assert.equal(await page.isVisible("#send"), true);

  // The conversation is kept in localStorage, the partial answer with it.
  const saved = JSON.parse(await page.evaluate(() => localStorage.getItem("gollm.chats.v1")));
  assert.equal(saved.length, 1);
  assert.deepEqual(saved[0].messages.map((m) => m.role), ["user", "assistant"]);
  assert.equal(saved[0].messages[1].meta, "stopped");

  fs.mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, "chat.png") });

  // A new chat at full speed: the answer runs to its end with statistics.
  // (A new chat, because stories260K's context of 128 tokens is too small
  // to go on with the first.)
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.click("#new-chat");
  await page.waitForSelector("#messages #empty");
  await page.fill("#num_predict", "24");
  await page.fill("#prompt", "Tell me about a cat");
  await page.press("#prompt", "Enter");
  await page.waitForFunction(() => document.body.dataset.state === "idle" && document.querySelector(".msg.assistant")
    && /tokens/.test(document.querySelector(".msg.assistant .meta").innerText));
  assert.ok((await answerText(page)).trim().length > 0, "empty answer");
  assert.equal(await page.locator("#chats .chat-item").count(), 2);

  // After a reload both chats are still there; the page opens on the last
  // one, and the first comes back with its stopped answer.
  await page.reload();
  await page.waitForSelector(".msg.assistant .meta:not(:empty)");
  assert.equal(await page.locator(".msg.user .body").innerText(), "Tell me about a cat");
  await page.locator("#chats .chat-item button", { hasText: "Once upon a time" }).click();
  assert.equal(await page.locator(".msg").count(), 2);
  assert.equal(await page.locator(".msg.assistant .meta").innerText(), "stopped");
  assert.equal(await answerText(page), stopped);
  await page.screenshot({ path: path.join(outDir, "chat-reloaded.png") });

  // The same through the OpenAI endpoint (server-sent events).
  await page.selectOption("#api", "openai");
  await page.click("#new-chat");
  await page.fill("#prompt", "A dog");
  await page.press("#prompt", "Enter");
  await page.waitForFunction(() => document.body.dataset.state === "idle" && document.querySelector(".msg.assistant")
    && /tokens/.test(document.querySelector(".msg.assistant .meta").innerText));
  assert.ok((await answerText(page)).trim().length > 0, "empty answer over SSE");
  assert.equal(await page.locator(".msg.error").count(), 0);

  assert.deepEqual(errors, []);
}
