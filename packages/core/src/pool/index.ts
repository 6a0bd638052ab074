// @weft/core/pool: the worker pool (handlers on N threads or child processes, one shared FIFO, deadlines,
// crash isolation), its message protocol (protocol.ts) and worker choice (schedule.ts). A subpath of its
// own, not re-exported by @weft/core: serve() imports it only when it starts a pool, so a server whose
// handlers run inline never loads it (on Deno, ~0.9 MB of heap; BENCHMARKS.md, "What an inline server
// loads"). The adapters' worker hosts and child-process entries import it from here.
export { createPool } from "./pool.ts";
export type { Pool, PoolConfig } from "./pool.ts";
export { pickWorker } from "./schedule.ts";
export { PROTOCOL_VERSION } from "./protocol.ts";
export { forkedWorker } from "./forked.ts";
export type { ForkedChild, StartEnvelope } from "./forked.ts";
export { runAsChildProcess } from "./process-side.ts";
export type { ChildProcessOptions, ParentChannel } from "./process-side.ts";
