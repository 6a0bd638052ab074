// The dispatcher's bookkeeping (pool.ts): what it keeps per job, per running thread and per worker id,
// and the fixed responses it answers with itself. Bodies are fixed text that never echo the request.

import { type DeadlineGroup, DeadlineEntry } from "../deadline.ts";
import type { WorkerHandle } from "../ports.ts";
import type { Inbox, Outbox } from "./flow.ts";
import type { Batcher, JobMessage } from "./protocol.ts";
import type { IdTable } from "./id-table.ts";
import type { Ring } from "./ring.ts";

/** Seconds a client refused by a full queue is told to wait (RFC 9110 §10.2.3 Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

/** One request on its way through the pool. Its deadline (taskTimeout, from dispatch to the response
 * head) is an entry of the pool's DeadlineGroup, as a connection's timeouts are (deadline.ts): no
 * runtime timer per job (a Node-style Timeout per job was ~5% of Deno's main thread under load). */
export class Job extends DeadlineEntry {
  /** True once fetch() was resolved (with the head or an error response). */
  answered = false;
  /** Request body on its way to the worker. */
  upload?: Outbox;
  /** Response body on its way from the worker. */
  download?: Inbox;
  /** Where it was sent, for its deadline. */
  slot: Slot | null = null;
  life: Incarnation | null = null;

  constructor(
    readonly id: number,
    readonly message: JobMessage,
    readonly body: ReadableStream<Uint8Array> | null,
    readonly resolve: (response: Response) => void,
    private readonly onDeadline: (job: Job) => void,
  ) {
    super();
  }

  startDeadline(group: DeadlineGroup, ms: number): void {
    this.setDeadline(group, ms);
  }

  stopDeadline(): void {
    this.clearDeadline();
  }

  deadlineExpired(): void {
    this.onDeadline(this);
  }
}

/** One running thread; a slot gets a new incarnation each time its worker is replaced. */
export interface Incarnation {
  handle: WorkerHandle;
  /** Messages to it, sent once per turn (protocol.ts "batches"). */
  outbox: Batcher;
  /** Its job rings (ring.ts): jobs out, complete heads back; null for process workers. */
  toWorker: Ring | null;
  fromWorker: Ring | null;
  /** Takes jobs now (false before "ready", and once it is being terminated). */
  ready: boolean;
  /** Said "ready" at some point: a thread that dies before that is not replaced (it would loop). */
  readyOnce: boolean;
  /** When its last message arrived, and whether a ping is out (see `watch`). */
  heardAt: number;
  pinged: boolean;
  /** The jobs it holds (running, or sent ahead and waiting there), oldest first. */
  jobs: IdTable<Job>;
  exited: Promise<void>;
  markExited(): void;
}

/** A worker id (1..N) with its stats, which survive replacements. */
export interface Slot {
  id: number;
  current: Incarnation | null;
  /** Told to shut down (close): not given jobs, not replaced when it exits. */
  stopping: boolean;
  busyMs: number;
  busySince: number;
  /** When it last finished a job (or became busy from idle): a worker making no progress for
   * lookaheadStall ms is stalled and its jobs held ahead are moved to the others. */
  progressAt: number;
  completed: number;
}

/** Workers import the module from their own location, so a relative specifier would resolve
 * somewhere else entirely: require an absolute URL (e.g. `new URL("./app.ts", import.meta.url)`). */
export function absoluteUrl(module: string | URL): string {
  try {
    return new URL(String(module)).href;
  } catch {
    throw new TypeError(`weft: the pool's module must be an absolute URL (e.g. new URL("./app.ts", import.meta.url)), got ${String(module)}`);
  }
}

export function plainResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}
