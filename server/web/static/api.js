// Talks to the gollm (or Ollama, or any OpenAI-compatible) server this
// page was loaded from: lists models and streams chat answers, over either
// Ollama's /api/chat (NDJSON) or OpenAI's /v1/chat/completions (SSE).

// errorFrom turns a failed response into an Error with the server's text.
async function errorFrom(resp) {
  let text = await resp.text().catch(() => "");
  try {
    const j = JSON.parse(text);
    text = typeof j.error === "string" ? j.error : j.error?.message ?? text;
  } catch { /* not JSON: keep the text */ }
  return new Error(`${resp.status} ${resp.statusText}${text ? ": " + text : ""}`);
}

// headers returns the request headers, with the API key if one is set.
function headers(apiKey, json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (apiKey) h.Authorization = "Bearer " + apiKey;
  return h;
}

// listModels returns [{name, detail}] from /api/tags, or /v1/models when
// the server has no Ollama API.
export async function listModels(apiKey) {
  let resp = await fetch("/api/tags", { headers: headers(apiKey) });
  if (resp.ok) {
    const j = await resp.json();
    return (j.models ?? []).map((m) => ({
      name: m.name ?? m.model,
      detail: [m.details?.parameter_size, m.details?.quantization_level].filter(Boolean).join(" "),
    }));
  }
  resp = await fetch("/v1/models", { headers: headers(apiKey) });
  if (!resp.ok) throw await errorFrom(resp);
  const j = await resp.json();
  return (j.data ?? []).map((m) => ({ name: m.id, detail: "" }));
}

// lines yields the lines of a streamed response body as they arrive.
async function* lines(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}

// streamChat sends a conversation and yields events as the answer streams:
// {content, thinking} pieces, then one {done: true, stats} at the end.
// settings: {api, model, temperature, top_p, num_predict, seed, api_key} (blank
// values are left to the server). Abort with signal to stop.
export async function* streamChat(settings, messages, signal) {
  if (settings.api === "openai") {
    yield* streamOpenAI(settings, messages, signal);
  } else {
    yield* streamOllama(settings, messages, signal);
  }
}

function num(v) {
  return v === "" || v === undefined || v === null || Number.isNaN(Number(v)) ? undefined : Number(v);
}

async function* streamOllama(s, messages, signal) {
  const options = {
    temperature: num(s.temperature), top_p: num(s.top_p),
    num_predict: num(s.num_predict), seed: num(s.seed),
  };
  const resp = await fetch("/api/chat", {
    method: "POST",
    headers: headers(s.api_key, true),
    body: JSON.stringify({ model: s.model, messages, stream: true, options }),
    signal,
  });
  if (!resp.ok) throw await errorFrom(resp);
  for await (const line of lines(resp.body)) {
    if (!line.trim()) continue;
    const j = JSON.parse(line);
    if (j.error) throw new Error(j.error);
    const m = j.message ?? {};
    if (m.content || m.thinking) yield { content: m.content ?? "", thinking: m.thinking ?? "" };
    if (j.done) {
      yield {
        done: true,
        stats: {
          reason: j.done_reason,
          promptTokens: j.prompt_eval_count,
          tokens: j.eval_count,
          tokensPerSecond: j.eval_duration ? j.eval_count / (j.eval_duration / 1e9) : undefined,
        },
      };
      return;
    }
  }
  throw new Error("the answer ended early (connection closed)");
}

async function* streamOpenAI(s, messages, signal) {
  const body = {
    model: s.model, messages, stream: true, stream_options: { include_usage: true },
    temperature: num(s.temperature), top_p: num(s.top_p),
    max_tokens: num(s.num_predict) > 0 ? num(s.num_predict) : undefined, seed: num(s.seed),
  };
  const resp = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: headers(s.api_key, true),
    body: JSON.stringify(body),
    signal,
  });
  if (!resp.ok) throw await errorFrom(resp);
  const start = performance.now();
  let first = 0, pieces = 0, reason, usage;
  let data = [];
  for await (const line of lines(resp.body)) {
    if (line.startsWith("data:")) {
      data.push(line.slice(5).replace(/^ /, ""));
      continue;
    }
    if (line !== "" || data.length === 0) continue; // comments, other fields
    const payload = data.join("\n");
    data = [];
    if (payload === "[DONE]") break;
    const j = JSON.parse(payload);
    if (j.error) throw new Error(j.error.message ?? String(j.error));
    if (j.usage) usage = j.usage;
    const c = j.choices?.[0];
    if (!c) continue;
    if (c.finish_reason) reason = c.finish_reason;
    const d = c.delta ?? {};
    if (d.content || d.reasoning_content) {
      if (!first) first = performance.now();
      pieces++;
      yield { content: d.content ?? "", thinking: d.reasoning_content ?? "" };
    }
  }
  const secs = (performance.now() - (first || start)) / 1000;
  const tokens = usage?.completion_tokens ?? pieces;
  yield {
    done: true,
    stats: { reason, promptTokens: usage?.prompt_tokens, tokens, tokensPerSecond: secs > 0 ? tokens / secs : undefined },
  };
}
