// The openai and ollama npm clients against `gollm serve`: every answer is
// greedy (temperature 0, no repeat penalty), so the endpoints must agree
// with each other and with `gollm generate`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import OpenAI from "openai";
import { Ollama } from "ollama";
import { startServer, isolatedEnv, MODEL, PROMPT, MAX_TOKENS } from "../lib/server.js";

let srv, openai, ollama;

before(async () => {
  srv = await startServer();
  openai = new OpenAI({ baseURL: srv.base + "/v1", apiKey: "unused", maxRetries: 0 });
  ollama = new Ollama({ host: srv.base });
});

after(async () => {
  await srv?.stop();
});

const greedy = { temperature: 0, repeat_penalty: 1, num_predict: MAX_TOKENS, seed: 7 };

// gollmGenerate is what `gollm generate` continues the prompt with.
function gollmGenerate() {
  const out = execFileSync(srv.bin, ["generate", "-n", String(MAX_TOKENS), "--temp", "0", PROMPT], {
    env: isolatedEnv(srv.home), stdio: ["ignore", "pipe", "ignore"],
  }).toString();
  assert.ok(out.startsWith(PROMPT), `gollm generate printed ${JSON.stringify(out)}`);
  return out.slice(PROMPT.length).replace(/\n$/, "");
}

async function chatNonStreaming() {
  const r = await openai.chat.completions.create({
    model: MODEL, messages: [{ role: "user", content: PROMPT }], max_tokens: MAX_TOKENS, temperature: 0, seed: 7,
  });
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.message.role, "assistant");
  assert.ok(c.message.content.length > 0, "empty answer");
  assert.ok(["stop", "length"].includes(c.finish_reason), `finish_reason ${c.finish_reason}`);
  assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= MAX_TOKENS, JSON.stringify(r.usage));
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  return c.message.content;
}

test("openai: models.list has the built-in model", async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  assert.ok(ids.some((id) => id.startsWith(MODEL)), `models ${ids}`);
});

test("openai: chat, streamed and not, give the same greedy answer", async () => {
  const want = await chatNonStreaming();
  const stream = await openai.chat.completions.create({
    model: MODEL, messages: [{ role: "user", content: PROMPT }], max_tokens: MAX_TOKENS, temperature: 0, seed: 7, stream: true,
  });
  let text = "", pieces = 0, finish;
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (c?.delta?.content) { text += c.delta.content; pieces++; }
    if (c?.finish_reason) finish = c.finish_reason;
  }
  assert.ok(pieces >= 2, `${pieces} pieces`);
  assert.ok(["stop", "length"].includes(finish), `finish_reason ${finish}`);
  assert.equal(text, want);
});

test("openai: completions equal gollm generate", async () => {
  const r = await openai.completions.create({ model: MODEL, prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: 0 });
  assert.equal(r.choices[0].text, gollmGenerate());
});

test("openai: unknown model is a 404 APIError", async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
    (e) => e instanceof OpenAI.APIError && e.status === 404,
  );
});

test("ollama: version, list, show", async () => {
  const v = await ollama.version();
  assert.ok(v.version, JSON.stringify(v));
  const { models } = await ollama.list();
  assert.ok(models.some((m) => m.name.startsWith(MODEL) && m.size > 0), JSON.stringify(models));
  const show = await ollama.show({ model: MODEL });
  assert.equal(show.model_info["general.architecture"], "llama");
  assert.equal(show.details.format, "gguf");
});

test("ollama: raw generate streams what gollm generate says", async () => {
  const stream = await ollama.generate({ model: MODEL, prompt: PROMPT, raw: true, stream: true, options: greedy });
  let text = "", pieces = 0, last;
  for await (const part of stream) {
    if (part.response) { text += part.response; pieces++; }
    last = part;
  }
  assert.ok(pieces >= 2, `${pieces} pieces`);
  assert.equal(last.done, true);
  assert.ok(last.eval_count >= 1 && last.eval_count <= MAX_TOKENS, JSON.stringify(last));
  assert.equal(text, gollmGenerate());
});

test("ollama: chat streams the OpenAI endpoint's greedy answer", async () => {
  const want = await chatNonStreaming();
  const stream = await ollama.chat({ model: MODEL, messages: [{ role: "user", content: PROMPT }], stream: true, options: greedy });
  let text = "", pieces = 0, last;
  for await (const part of stream) {
    if (part.message?.content) { text += part.message.content; pieces++; }
    last = part;
  }
  assert.ok(pieces >= 2, `${pieces} pieces`);
  assert.equal(last.done, true);
  assert.equal(text, want);
});

test("ollama: ps lists the loaded model", async () => {
  await ollama.generate({ model: MODEL, prompt: PROMPT, stream: false, options: { num_predict: 1 } });
  const { models } = await ollama.ps();
  assert.ok(models.some((m) => m.name.startsWith(MODEL)), JSON.stringify(models));
});
