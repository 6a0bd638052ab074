// A worker that is a child process (PoolOptions.isolation = "process"), seen through the slice of a
// Node-style ChildProcess that `node:child_process` fork() returns on Node, Deno and Bun alike. The
// adapters only fork (each its own way: entry, flags, memory limit); the handle over the child is this one.
import type { WorkerEvents, WorkerHandle } from "../ports.ts";

/** What a process worker uses of the child fork() returned (IPC channel with "advanced" serialization). */
export interface ForkedChild {
  readonly pid?: number | undefined;
  readonly connected: boolean;
  send(message: unknown): boolean;
  kill(signal: "SIGKILL"): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "close", listener: (code: number | null, signal: string | null) => void): unknown;
}

/** The first message a process (or a Web Worker) receives: its start-up data. */
export interface StartEnvelope {
  weftStart: unknown;
}

/** The last message a process worker sends when an error nobody caught ends it: what a thread's
 * "error" event carries, so the operator's log names the cause, not only the exit code. */
export interface FatalEnvelope {
  weftFatal: string;
}

const isFatal = (message: unknown): message is FatalEnvelope =>
  typeof message === "object" && message !== null && "weftFatal" in message;

/**
 * Wires `child` to the pool: messages both ways, one onExit (a signal death as 128 + its number, from
 * `signals`, the runtime's `os.constants.signals`), terminate() as SIGKILL, which ends a child stuck in
 * synchronous code as surely as one waiting for work.
 */
export function forkedWorker(child: ForkedChild, data: unknown, events: WorkerEvents, signals: Readonly<Record<string, number>>): WorkerHandle {
  let gone = false;
  let markGone!: () => void;
  const exited = new Promise<void>((resolve) => (markGone = resolve));
  const finish = (code: number) => {
    if (gone) return;
    gone = true;
    events.onExit(code);
    markGone();
  };
  child.on("message", (message) => (isFatal(message) ? events.onError(new Error(message.weftFatal)) : events.onMessage(message)));
  child.on("error", (error) => {
    events.onError(error);
    if (child.pid === undefined) finish(1); // never started: no "close" will follow
  });
  // "close", not "exit": it comes after the last message the channel delivered (an "init-error").
  child.on("close", (code, signal) => finish(code ?? 128 + (signal ? (signals[signal] ?? 0) : 0)));
  child.send({ weftStart: data } satisfies StartEnvelope);
  return {
    // Structured clone over the channel copies: the transfer list has nothing to move.
    post: (message) => {
      if (child.connected) child.send(message);
    },
    terminate: async () => {
      if (!gone) child.kill("SIGKILL");
      await exited;
    },
  };
}
