// The load generator: wrk (Debian package). Chosen over a JS client because it costs far less CPU per
// request than any JS load generator on this 2-core machine (NOTES.md), and it supports pipelining
// through a Lua script (bench.lua). Every run is bounded by wrk's -d plus a hard kill deadline.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuSecondsOf } from "./proc.ts";

const LUA_SCRIPT = fileURLToPath(new URL("./bench.lua", import.meta.url));
/** How long past its own duration a wrk run may take before it is killed. */
const WRK_GRACE_MS = 15_000;
/** wrk's per-request timeout, in seconds: a response slower than this counts as a timeout error. */
const WRK_REQUEST_TIMEOUT_S = 10;

/** The wrk version, installing it from Debian's packages when missing (as root only). Exits 1 if it
 * is missing and cannot be installed. */
export function ensureWrk(): string {
  const version = () => {
    const out = spawnSync("wrk", ["--version"], { encoding: "utf8" });
    return out.error ? null : `${out.stdout}${out.stderr}`.split("\n")[0]!.replace(/ Copyright.*/, "").trim();
  };
  const found = version();
  if (found) return found;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error("bench: `wrk` is not installed and this is not root, so it cannot be installed here.");
    console.error("       Install it (Debian/Ubuntu: `sudo apt-get install -y wrk`) and run again.");
    process.exit(1);
  }
  console.log("bench: `wrk` is missing; installing it with apt-get (Debian package `wrk`)…");
  try {
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch {
    console.error("bench: installing wrk failed; install it by hand (`apt-get install -y wrk`) and run again.");
    process.exit(1);
  }
  const installed = version();
  if (!installed) {
    console.error("bench: wrk still not found after installing it.");
    process.exit(1);
  }
  return installed;
}

export interface WrkOptions {
  connections: number;
  threads: number;
  durationS: number;
  /** Requests per write (1 = no pipelining). */
  pipeline?: number;
  method?: string;
  /** Request body bytes. */
  body?: number;
}

export interface WrkResult {
  requests: number;
  durationUs: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Requests per second. */
  rps: number;
  /** Sum of all error counts. */
  errorCount: number;
  /** CPU wrk itself used, in cores (its CPU seconds / wall seconds, sampled while the load runs).
   * Near 1 per wrk thread means the load generator, not the server, set the pace. */
  wrkCores: number;
}

/** How often wrk's own CPU time is sampled (the last sample before it exits is used). */
const WRK_CPU_SAMPLE_MS = 100;

/** Run wrk once against `url` and parse the JSON line bench.lua prints. */
export function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${Math.min(options.threads, options.connections)}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    `--timeout`, `${WRK_REQUEST_TIMEOUT_S}s`,
    `-s`, LUA_SCRIPT,
    url,
    `--`,
    `pipeline=${options.pipeline ?? 1}`,
    `method=${options.method ?? "GET"}`,
    `body=${options.body ?? 0}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), options.durationS * 1000 + WRK_GRACE_MS);
    const started = performance.now();
    let wrkCpu = { seconds: 0, atMs: started };
    const sampler = setInterval(() => {
      // Only while the load runs: bench.lua's done() (percentiles) is not load.
      if (performance.now() - started > options.durationS * 1000) return;
      try {
        wrkCpu = { seconds: cpuSecondsOf(child.pid!), atMs: performance.now() };
      } catch {
        // wrk just exited: keep the last sample
      }
    }, WRK_CPU_SAMPLE_MS);
    child.on("error", (error) => {
      clearTimeout(killer);
      clearInterval(sampler);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(killer);
      clearInterval(sampler);
      const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}): ${out.trim().slice(-500)}`));
      const raw = JSON.parse(line.slice("WRK_JSON ".length)) as Omit<WrkResult, "rps" | "errorCount"> & {
        duration_us: number;
        latency_us: WrkResult["latencyUs"];
      };
      const errors = raw.errors;
      resolve({
        requests: raw.requests,
        durationUs: raw.duration_us,
        bytes: raw.bytes,
        errors,
        latencyUs: raw.latency_us,
        rps: raw.duration_us > 0 ? raw.requests / (raw.duration_us / 1e6) : 0,
        errorCount: errors.connect + errors.read + errors.write + errors.status + errors.timeout,
        wrkCores: wrkCpu.atMs > started ? wrkCpu.seconds / ((wrkCpu.atMs - started) / 1000) : NaN,
      });
    });
  });
}
