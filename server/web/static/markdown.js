// Renders a small, safe subset of Markdown into DOM nodes: fenced code
// blocks, headings, lists, paragraphs, inline code, bold, italics and
// http(s) links. Every piece of text goes in through textContent, never
// innerHTML, so nothing in a model's answer can become markup or script.

const fence = /^\s*(```|~~~)\s*([\w+#.-]*)\s*$/;
const heading = /^(#{1,6})\s+(.*)$/;
const listItem = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/;

// renderMarkdown returns a DocumentFragment for text. An unterminated code
// fence (a streaming answer) is shown as code up to the end of the text.
export function renderMarkdown(text) {
  const out = document.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let para = [];
  let list = null; // {el, ordered}
  const flushPara = () => {
    if (para.length) {
      const p = document.createElement("p");
      para.forEach((line, i) => {
        if (i) p.append(document.createElement("br"));
        appendInline(p, line);
      });
      out.append(p);
      para = [];
    }
  };
  const flushList = () => { list = null; };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m;
    if ((m = fence.exec(line))) {
      flushPara(); flushList();
      const body = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(m[1]); i++) body.push(lines[i]);
      out.append(codeBlock(body.join("\n"), m[2]));
      continue;
    }
    if ((m = heading.exec(line))) {
      flushPara(); flushList();
      const h = document.createElement("h" + Math.min(m[1].length + 2, 6));
      appendInline(h, m[2]);
      out.append(h);
      continue;
    }
    if ((m = listItem.exec(line))) {
      flushPara();
      const ordered = /\d/.test(m[1]);
      if (!list || list.ordered !== ordered) {
        list = { el: document.createElement(ordered ? "ol" : "ul"), ordered };
        if (ordered) list.el.start = parseInt(m[1], 10) || 1;
        out.append(list.el);
      }
      const li = document.createElement("li");
      appendInline(li, m[2]);
      list.el.append(li);
      continue;
    }
    if (line.trim() === "") {
      flushPara(); flushList();
      continue;
    }
    flushList();
    para.push(line);
  }
  flushPara();
  return out;
}

function codeBlock(text, lang) {
  const pre = document.createElement("pre");
  const code = document.createElement("code");
  if (lang) code.dataset.lang = lang;
  code.textContent = text;
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "copy";
  copy.textContent = "copy";
  copy.addEventListener("click", () => {
    navigator.clipboard?.writeText(text).then(() => { copy.textContent = "copied"; }, () => {});
  });
  pre.append(copy, code);
  return pre;
}

// Inline spans, first match wins: `code`, **bold**, *em* or _em_,
// [text](http(s)://url).
const inline = /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*)\*|\b_([^_\n]+)_\b|\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g;

function appendInline(parent, text) {
  let last = 0;
  for (const m of text.matchAll(inline)) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    let el;
    if (m[1] !== undefined) {
      el = document.createElement("code");
      el.textContent = m[1];
    } else if (m[2] !== undefined) {
      el = document.createElement("strong");
      el.textContent = m[2];
    } else if (m[3] !== undefined || m[4] !== undefined) {
      el = document.createElement("em");
      el.textContent = m[3] ?? m[4];
    } else {
      el = document.createElement("a");
      el.textContent = m[5];
      el.href = m[6];
      el.rel = "noopener noreferrer nofollow";
      el.target = "_blank";
    }
    parent.append(el);
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}
