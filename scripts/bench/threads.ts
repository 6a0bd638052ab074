// Which thread of a benchmark server is the bottleneck: per-thread CPU (user and system) and context
// switches per request, read from /proc/<pid>/task/* before and after one wrk run. The CPU profiles
// (profile.ts) say what a thread does; this says which thread is out of time, and how much of it goes to
// the kernel (a thread woken per message pays there). Linux only.
//
//   npm run bench:threads -- [--runtime=node] [--server=weft-pool2] [--path=/] [--duration=5]
import { readdirSync, readFileSync } from "node:fs";
import { type RuntimeName, RUNTIMES, SERVER_KINDS, type ServerKind, startServer } from "./proc.ts";
import { ensureWrk, runWrk } from "./wrk.ts";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux everywhere). */
const TICKS_PER_SECOND = 100;
const WARMUP_S = 2;

interface ThreadTimes {
  name: string;
  userTicks: number;
  systemTicks: number;
  switches: number;
}

function threadsOf(pid: number): Map<string, ThreadTimes> {
  const threads = new Map<string, ThreadTimes>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // Fields after the parenthesised name (which may hold spaces): state is field 3, utime 14, stime 15.
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      const count = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
      threads.set(tid, {
        name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
        userTicks: Number(after[11]),
        systemTicks: Number(after[12]),
        switches: count("voluntary_ctxt_switches") + count("nonvoluntary_ctxt_switches"),
      });
    } catch {
      // The thread ended in between.
    }
  }
  return threads;
}

const flags = new Map(process.argv.slice(2).map((arg) => {
  const match = /^--([\w-]+)=(.*)$/.exec(arg);
  if (!match) throw new Error(`bench:threads: unknown argument ${arg}`);
  return [match[1]!, match[2]!] as const;
}));
const runtime = (flags.get("runtime") ?? "node") as RuntimeName;
const kind = (flags.get("server") ?? "weft-pool2") as ServerKind;
const path = flags.get("path") ?? "/";
const durationS = Number(flags.get("duration") ?? 5);
if (!RUNTIMES.includes(runtime) || !SERVER_KINDS.includes(kind) || !(durationS > 0)) {
  throw new Error(`bench:threads: --runtime=${RUNTIMES.join("|")} --server=${SERVER_KINDS.join("|")} --duration=S`);
}

ensureWrk();
const server = await startServer({ runtime, kind }, process.env);
try {
  const wrk = { connections: 50, threads: 1 };
  await runWrk(server.origin + path, { ...wrk, durationS: WARMUP_S });
  const before = threadsOf(server.pid);
  const result = await runWrk(server.origin + path, { ...wrk, durationS });
  const after = threadsOf(server.pid);
  const requests = result.requests;
  const perRequestUs = (ticks: number) => ((ticks / TICKS_PER_SECOND) * 1e6) / requests;
  console.log(`${server.label}, GET ${path}: ${Math.round(requests / (result.durationUs / 1e6)).toLocaleString("en")} req/s over ${durationS} s`);
  console.log("| thread | name | user µs/req | system µs/req | switches/req |");
  console.log("| --- | --- | ---: | ---: | ---: |");
  for (const [tid, end] of after) {
    const start = before.get(tid) ?? { name: end.name, userTicks: 0, systemTicks: 0, switches: 0 };
    const user = end.userTicks - start.userTicks;
    const system = end.systemTicks - start.systemTicks;
    if (user + system === 0) continue;
    console.log(`| ${tid} | ${end.name} | ${perRequestUs(user).toFixed(1)} | ${perRequestUs(system).toFixed(1)} | ${((end.switches - start.switches) / requests).toFixed(2)} |`);
  }
} finally {
  await server.stop();
}
