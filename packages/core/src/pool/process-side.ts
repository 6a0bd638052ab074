// The child's side of a process worker (PoolOptions.isolation = "process"; the parent's is forked.ts):
// the first IPC message carries the start-up data, then core's worker loop runs over the channel. Each
// adapter's process entry is this call with its runtime's `process` (Node, Deno and Bun all have one).
import type { NiceValue } from "../ports.ts";
import type { FatalEnvelope, StartEnvelope } from "./forked.ts";
import type { WorkerStartData } from "./protocol.ts";
import { runWorker } from "./worker-loop.ts";

/** If the parent never confirms the last messages, exit anyway after this long. */
const FLUSH_TIMEOUT_MS = 1000;

/** The slice of a Node-style `process` with an IPC channel that a process worker uses. */
export interface ParentChannel {
  once(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "disconnect", listener: () => void): unknown;
  on(event: "uncaughtException", listener: (error: unknown) => void): unknown;
  on(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  send?: ((message: unknown, handle: undefined, options: undefined, callback: (error: Error | null) => void) => boolean) | undefined;
  exit(code?: number): never;
}

/** What an adapter's process entry adds to its `process`. */
export interface ChildProcessOptions {
  /** Runs once the start-up data is known, before the app module is imported (Node registers its
   * TypeScript loader there). */
  prepare?: (data: WorkerStartData) => Promise<void>;
  /** This process's nice value (WorkerSidePort.nice). */
  nice?: NiceValue;
}

/** Serves the parent as a pool worker until told to stop. */
export function runAsChildProcess(channel: ParentChannel, options: ChildProcessOptions = {}): void {
  const { prepare, nice } = options;
  const send = channel.send?.bind(channel);
  if (!send) throw new Error("weft: a process worker needs an IPC channel to its parent (fork())");
  let unsent = 0;
  let exitCode: number | null = null;
  const sent = () => {
    if (--unsent === 0 && exitCode !== null) channel.exit(exitCode);
  };
  const exitAfterSends = (code: number) => {
    exitCode = code;
    if (unsent === 0) channel.exit(code);
    setTimeout(() => channel.exit(code), FLUSH_TIMEOUT_MS);
  };
  // The parent is gone (its end of the channel closed): no job will come, and no answer would be read.
  channel.on("disconnect", () => channel.exit(0));
  // Ctrl-C in a terminal signals the whole process group, and a service manager's stop signals every
  // process of the service: a worker would die with its jobs. The parent decides when a worker stops
  // (its shutdown message after the drain, or SIGKILL); a parent that dies disconnects the channel.
  channel.on("SIGINT", () => {});
  channel.on("SIGTERM", () => {});
  // An error nobody caught ends a thread with an "error" event for the parent; here the same, by message.
  channel.on("uncaughtException", (error) => {
    console.error(error);
    unsent++;
    send({ weftFatal: error instanceof Error ? error.message : String(error) } satisfies FatalEnvelope, undefined, undefined, sent);
    exitAfterSends(1);
  });
  channel.once("message", async (first) => {
    const data = (first as StartEnvelope).weftStart as WorkerStartData;
    // Messages that arrive while the app loads (a "shutdown" sent early) wait here.
    let deliver: ((message: unknown) => void) | null = null;
    const early: unknown[] = [];
    channel.on("message", (message) => (deliver ? deliver(message) : early.push(message)));
    await prepare?.(data);
    await runWorker({
      data,
      post: (message) => {
        unsent++;
        send(message, undefined, undefined, sent);
      },
      onMessage: (listener) => {
        deliver = listener;
        for (const message of early.splice(0)) listener(message);
      },
      // exit() at once would drop what the channel has not written yet: the last "exited" or "init-error".
      exit: exitAfterSends,
      nice,
    });
  });
}
