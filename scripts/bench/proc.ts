// Benchmark server processes: how each (runtime, kind) is started, how its port is learnt, and what the
// kernel says about it (/proc/<pid>/stat CPU time, /proc/<pid>/status VmRSS). Linux only.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PORT_LINE_PREFIX } from "./servers/content.ts";

export type RuntimeName = "node" | "deno" | "bun";
export const RUNTIMES: readonly RuntimeName[] = ["node", "deno", "bun"];

/** weft inline, weft on a pool of N worker threads (or, "proc", child processes), the runtime's own server,
 * or the floor (servers/floor.ts: fixed bytes on the raw socket API, the least any server can do). */
export const SERVER_KINDS = ["weft-inline", "weft-pool2", "weft-pool4", "weft-proc2", "native", "floor"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export interface ServerSpec {
  runtime: RuntimeName;
  kind: ServerKind;
}

const NATIVE_NAMES: Record<RuntimeName, string> = { node: "node:http", deno: "Deno.serve", bun: "Bun.serve" };
const POOL_WORKERS: Record<ServerKind, number> = { "weft-inline": 0, "weft-pool2": 2, "weft-pool4": 4, "weft-proc2": 2, native: 0, floor: 0 };

export const serverLabel = (spec: ServerSpec): string =>
  spec.kind === "native" ? NATIVE_NAMES[spec.runtime] : `${spec.kind}@${spec.runtime}`;
const isWeft = (kind: ServerKind): boolean => kind !== "native" && kind !== "floor";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVERS_DIR = fileURLToPath(new URL("./servers/", import.meta.url));
const BIN = (name: string) => `${REPO_ROOT}node_modules/.bin/${name}`;
const NATIVE_ENTRY: Record<RuntimeName, string> = { node: "node-http.ts", deno: "deno-serve.ts", bun: "bun-serve.ts" };

/** Open-file limit asked for in each child (5,000 idle connections need more than a default 1024). */
const NOFILE = 65536;
/** Raise the soft fd limit (to NOFILE, or at least to the hard limit), then become the command, so
 * the child's pid is the runtime's own pid (what /proc is read for). */
const ULIMIT_WRAPPER = `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
/** How long a server may take to print its port (Deno and tsx compile on first start). */
const START_TIMEOUT_MS = 30_000;
/** How long a server may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** Command line for a runtime running `entry`; `profileDir` turns on that runtime's --cpu-prof. */
export function commandFor(runtime: RuntimeName, entry: string, args: string[], profileDir?: string): string[] {
  const prof = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  switch (runtime) {
    case "node":
      return [process.execPath, ...prof, "--import", "tsx", entry, ...args];
    case "deno":
      return [BIN("deno"), "run", "-A", ...prof, entry, ...args];
    case "bun":
      return [BIN("bun"), ...prof, entry, ...args];
  }
}

/** Every child this harness started and that has not exited yet: killed if the harness is stopped
 * (Ctrl-C, SIGTERM, an uncaught error), so no server outlives a run. */
const children = new Set<ChildProcess>();
export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}
process.once("exit", killChildren);

/** Spawn `command` through sh with a raised fd limit. */
export function spawnWithUlimit(command: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn("sh", ["-c", ULIMIT_WRAPPER, "sh", ...command], { env, cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export interface RunningServer {
  spec: ServerSpec;
  label: string;
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  /** CPU seconds (user + system, all threads) the process has used so far. */
  cpuSeconds(): number;
  /** Resident set size now, in KiB. */
  rssKiB(): number;
  /** SIGTERM, then SIGKILL after a deadline. Resolves when the process is gone. */
  stop(): Promise<void>;
  /** Last lines the server wrote to stderr (for error messages). */
  stderrTail(): string;
}

export async function startServer(spec: ServerSpec, env: NodeJS.ProcessEnv, profileDir?: string): Promise<RunningServer> {
  const entry = spec.kind === "native" ? NATIVE_ENTRY[spec.runtime] : spec.kind === "floor" ? "floor.ts" : "weft.ts";
  const args = !isWeft(spec.kind) ? [] : [`--workers=${POOL_WORKERS[spec.kind]}`, ...(spec.kind === "weft-proc2" ? ["--processes"] : [])];
  const child = spawnWithUlimit(commandFor(spec.runtime, SERVERS_DIR + entry, args, profileDir), env);
  const label = serverLabel(spec);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${label} did not start: ${why}\n${stderr.trim().slice(-1500)}`));
    };
    const timer = setTimeout(() => fail(`no port printed within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const match = new RegExp(`${PORT_LINE_PREFIX}(\\d+)`).exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => fail(`exited with code ${code} before listening`));
  });
  child.stdout!.resume(); // keep draining whatever the server logs later

  const pid = child.pid!;
  /** Throw a readable error if the server died (rather than a missing /proc file). */
  const alive = () => {
    if (child.exitCode === null && child.signalCode === null) return;
    const lastLine = stderr.trim().split("\n").at(-1) ?? "";
    throw new Error(`${label} exited (${child.exitCode ?? child.signalCode})${lastLine ? `: ${lastLine}` : ""}`);
  };
  return {
    spec,
    label,
    pid,
    port,
    origin: `http://127.0.0.1:${port}`,
    cpuSeconds: () => (alive(), cpuSecondsOf(pid)),
    rssKiB: () => (alive(), rssKiBOf(pid)),
    stderrTail: () => stderr.trim().slice(-1500),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

let clockTicks: number | undefined;
/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on Linux almost everywhere). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of the whole process (all threads) and of its live descendants (process workers), in
 * seconds: proc(5) fields 14 and 15. */
export function cpuSecondsOf(pid: number): number {
  return ownCpuSecondsOf(pid) + childrenOf(pid).reduce((sum, child) => sum + cpuSecondsOf(child), 0);
}

/** Child pids, from /proc/<pid>/task/<tid>/children (every thread's). Gone or unreadable: none. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

function ownCpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const UTIME = 14 - 3; // field 3 (state) is index 0 here
  const STIME = 15 - 3;
  return (Number(fields[UTIME]) + Number(fields[STIME])) / ticksPerSecond();
}

/** VmRSS from /proc/<pid>/status, in KiB. */
export function rssKiBOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}
