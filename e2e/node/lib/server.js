// Starts `gollm serve` for a test file: a free port on 127.0.0.1 and a
// fresh HOME, so the only model is the built-in stories260K. The binary is
// $GOLLM_BIN (run.sh builds it) or built here into a temporary directory.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const MODEL = "stories260K";
export const PROMPT = "Once upon a time";
export const MAX_TOKENS = 16;

function gollmBinary(tmp) {
  if (process.env.GOLLM_BIN) return process.env.GOLLM_BIN;
  const bin = path.join(tmp, "gollm");
  execFileSync("go", ["build", "-o", bin, "./cmd/gollm"], { cwd: repoRoot, stdio: "inherit" });
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// isolatedEnv is this process's environment with a fresh HOME and no model
// directories or hosts of the machine's user.
export function isolatedEnv(home) {
  const env = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, ".cache") };
  for (const k of ["OLLAMA_MODELS", "OLLAMA_HOST", "GOLLM_HOST", "HF_HOME", "HF_HUB_CACHE", "GOLLM_MODELS"]) delete env[k];
  return env;
}

// startServer returns {base, bin, log, stop}.
export async function startServer() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gollm-e2e-node-"));
  const home = path.join(tmp, "home");
  fs.mkdirSync(home);
  const bin = gollmBinary(tmp);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["serve", "--host", `127.0.0.1:${port}`], { env: isolatedEnv(home), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => { log += d; });
  child.stderr.on("data", (d) => { log += d; });
  let exited = null;
  child.on("exit", (code, signal) => { exited = { code, signal }; });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`gollm serve exited (${JSON.stringify(exited)}):\n${log}`);
    try {
      const r = await fetch(base + "/api/version");
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`gollm serve did not answer within 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { base, bin, home, log: () => log, stop };
}
