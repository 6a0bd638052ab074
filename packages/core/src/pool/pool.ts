// The worker pool (issue 4): app handlers on N worker threads (or child processes: PoolOptions.isolation),
// one shared FIFO, deadlines, crash isolation, graceful shutdown, stats. Runtime-neutral: workers are
// started through the `SpawnWorker` port of each adapter.
//
// Life of a job: pool.fetch(request) → refused at once with 503 + Retry-After if the queue is full →
// else queued (FIFO) → handed to the least-loaded worker with a free slot (schedule.ts); if none is free,
// a job without a body may go ahead to a busy, non-stalled worker (lookahead) with a claim (claims.ts)
// that main wins back the moment another worker is free or that worker stalls → the request head is
// posted, its body streamed with credit (flow.ts) → the deadline (taskTimeout) runs from dispatch to
// the response head → "head" resolves fetch() with a Response: a small body rides in it, a larger one
// is pulled from the worker chunk by chunk until "res-end" → the slot is free, the next job goes out.
//
// Failure rules (issue 4): a throw/rejection → 500, the worker keeps serving; a missed deadline → 504,
// that worker is terminated and replaced; a worker that dies → only its running jobs fail (502), it is
// replaced, and jobs it held but never started go back to the queue; a queue at maxQueue → 503 at once.

import type { PoolOptions } from "../options.ts";
import { resolvePoolOptions } from "../options.ts";
import type { SpawnOptions, SpawnWorker } from "../ports.ts";
import type { PoolStats, ServeInfo } from "../types.ts";
import { Inbox, Outbox } from "./flow.ts";
import { ClaimTable } from "./claims.ts";
import {
  Batcher,
  type Claim,
  forEachMessage,
  type FromWorker,
  isCurrent,
  type JobMessage,
  PROTOCOL_VERSION,
  type ToWorker,
  transferable,
  type WorkerStartData,
} from "./protocol.ts";
import { IdTable } from "./id-table.ts";
import { Ring, type RingHead } from "./ring.ts";
import { type AheadView, pickAhead, pickWorker } from "./schedule.ts";
import { requestFieldPairs } from "../request.ts";
import { isNullBodyStatus, pairsOf, responseFromParts } from "../weft-response.ts";
import { DeadlineGroup, SYSTEM_CLOCK } from "../deadline.ts";
import {
  absoluteUrl,
  type Incarnation,
  Job,
  plainResponse,
  RETRY_AFTER_SECONDS,
  type Slot,
} from "./state.ts";

const v = PROTOCOL_VERSION;

/** Where core's worker loop lives: handed to every worker, whose adapter entry imports it. */
const WORKER_LOOP_URL = new URL("./worker-loop.ts", import.meta.url).href;

export interface PoolConfig {
  /** The app module (`export default { fetch }`) every worker imports. */
  module: string | URL;
  pool?: Partial<PoolOptions>;
  /** Verbose log lines: which worker took each job, restarts, each worker as it stops. */
  onLog?: (line: string) => void;
}

export interface Pool {
  /** Resolves when every worker has imported the app; rejects if one could not. */
  readonly ready: Promise<void>;
  fetch(request: Request, info: ServeInfo): Promise<Response>;
  /** fetch() without the promise: `answer` is called exactly once with the response (sometimes before
   * submit returns: the pool's own 503 or 502). What the server's connections use. */
  submit(request: Request, info: ServeInfo, answer: (response: Response) => void): void;
  /** Graceful: stop taking jobs, finish running and queued ones, tell each worker to stop and join it;
   * after drainTimeout, terminate what remains. Idempotent. */
  close(): Promise<void>;
  /** Terminate every worker now; unfinished jobs fail. */
  destroy(): Promise<void>;
  stats(): PoolStats;
  /** Which worker (1..N) produced `response`, for the access log; undefined for the pool's own answers
   * (503, 502, 504, 500) and for anything it did not return. */
  workerOf(response: Response): number | undefined;
}

export function createPool(config: PoolConfig, spawn: SpawnWorker): Pool {
  const options = resolvePoolOptions(config.pool);
  const moduleUrl = absoluteUrl(config.module);
  const log = config.onLog ?? (() => {});
  /** Per-job log lines are built only when someone reads them. */
  const verbose = config.onLog !== undefined;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  // One claim cell per job that can be out at a worker at once (claims.ts); none without lookahead.
  // Processes share no memory: no claim cells, so no lookahead.
  const sharesMemory = options.isolation === "thread";
  const claims = new ClaimTable(sharesMemory && options.lookahead > 0 ? options.workers * (options.concurrency + options.lookahead) : 0);
  const spawnOptions: SpawnOptions = { isolation: options.isolation, maxMemoryMb: options.maxMemoryMb };
  let nextJobId = 1;
  /** The worker behind each response the app produced (see Pool.workerOf), as a property under this
   * pool's own symbol. Not a WeakMap: every entry of one is an ephemeron, which V8's scavenger handles
   * one by one (measured on node: WeakMap.set and the ephemeron passes were ~2% of main's CPU under load). */
  const answeredBy = Symbol("weft.answeredBy");
  const markAnswered = (response: Response, worker: number) => {
    (response as unknown as Record<symbol, number>)[answeredBy] = worker;
  };
  /** Every job's taskTimeout deadline, in one group (state.ts Job). */
  const deadlines = new DeadlineGroup(SYSTEM_CLOCK);
  const onDeadline = (job: Job) => {
    if (job.slot && job.life) expire(job.slot, job.life, job);
  };
  let cursor = 0;
  let closing = false;
  let completed = 0;
  let failed = 0;
  let restarts = 0;
  let readyCount = 0;
  /** A worker that cannot lower its priority says why; only the first one started is asked to. */
  let niceReporterStarted = false;
  let closed: Promise<void> | null = null;
  /** Wakes close() when the last running or queued job is done. */
  let onIdle: (() => void) | null = null;

  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Callers that never await `ready` must not see an unhandled rejection: jobs report failures too.
  ready.catch(() => {});

  const running = () => slots.reduce((sum, s) => sum + (s.current?.jobs.size ?? 0), 0);

  function start(slot: Slot): void {
    // Job rings (ring.ts) for threads: a fresh pair per incarnation, as a dead thread may have left a
    // record half written.
    const toWorker = sharesMemory && Ring.supported ? new Ring() : null;
    const toMain = toWorker ? new Ring() : null;
    const data: WorkerStartData = {
      v,
      workerId: slot.id,
      loop: WORKER_LOOP_URL,
      module: moduleUrl,
      window: options.bodyWindow,
      concurrency: options.concurrency,
      claims: claims.buffer,
      rings: toWorker && toMain ? { toWorker: toWorker.buffer, toMain: toMain.buffer } : null,
      idleHold: options.idleHold,
      niceIncrement: options.niceIncrement,
      reportNice: !niceReporterStarted,
    };
    niceReporterStarted = true;
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    let initError = "";
    const life = {} as Incarnation;
    const handle = spawn(data, {
      onMessage: (raw) => {
        // Records written before this message was posted come first.
        readRing(slot, life);
        forEachMessage(raw, (message) => {
          if (!isCurrent(message)) return;
          const m = message as FromWorker;
          if (m.t === "init-error") initError = m.message;
          life.heardAt = Date.now();
          life.pinged = false;
          if (slot.current === life) onMessage(slot, life, m);
        });
      },
      onError: (error) => {
        log(`worker ${slot.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      },
      onExit: (code) => {
        readRing(slot, life);
        life.fromWorker?.close();
        onExit(slot, life, code, initError);
      },
    }, spawnOptions);
    const outbox = new Batcher((message, transfer) => {
      try {
        handle.post(message, transfer);
        toWorker?.release(); // a worker holding its thread for the next job must turn to its messages
      } catch {
        // The worker is already gone; its onExit fails the jobs.
      }
    });
    Object.assign(life, { handle, outbox, toWorker, fromWorker: toMain, ready: false, readyOnce: false, heardAt: Date.now(), pinged: false, jobs: new IdTable<Job>(), exited, markExited });
    slot.current = life;
    toMain?.listen(() => readRing(slot, life), { linger: true });
  }

  /** Heads that came back through the ring: each one is a whole answer. */
  function readRing(slot: Slot, life: Incarnation): void {
    const ring = life.fromWorker;
    if (!ring || slot.current !== life) return;
    let heard = false;
    ring.drain(null, (head) => {
      heard = true;
      onRingHead(slot, life, head);
    });
    if (heard) {
      life.heardAt = Date.now();
      life.pinged = false;
    }
  }

  function onRingHead(slot: Slot, life: Incarnation, head: RingHead): void {
    const job = life.jobs.get(head.id);
    if (!job) return;
    job.stopDeadline();
    answerSimple(slot, life, job, head.status, head.statusText, head.fields, isNullBodyStatus(head.status) ? null : head.body);
    settle(slot, life, job, true);
  }

  /** What dispatch tells the scheduler about each slot, refreshed in place for every job it places. */
  const views: AheadView[] = [];

  for (let id = 1; id <= options.workers; id++) {
    const slot: Slot = { id, current: null, stopping: false, busyMs: 0, busySince: 0, progressAt: 0, completed: 0 };
    slots.push(slot);
    views.push({ ready: false, running: 0, progressAt: 0 });
    start(slot);
  }

  /** Sends a message to `life`: a job without a body through its ring when it fits (ring.ts), anything
   * else queued to cross with the turn's other messages as one batch (protocol.ts). Either way the
   * worker is woken once, at the end of the turn, for all of the turn's jobs. */
  function post(life: Incarnation, message: ToWorker, transfer?: ArrayBuffer[]): void {
    if (message.t === "job" && !message.body && life.toWorker?.writeJob(message)) return;
    life.outbox.add(message, transfer);
  }

  /** Hands queued jobs out, oldest first: to a worker with a free slot, else (jobs without a body)
   * ahead to a busy worker with lookahead room; then takes back jobs waiting at busy workers for any
   * worker still free. After it, no job waits while a worker is free. */
  function dispatch(): void {
    const now = performance.now();
    if (claims.buffer !== null) reclaimFromStalled(now);
    while (queue.length > 0) {
      for (let k = 0; k < slots.length; k++) {
        const s = slots[k]!;
        const view = views[k]!;
        view.ready = !s.stopping && !!s.current?.ready;
        view.running = s.current?.jobs.size ?? 0;
        view.progressAt = s.progressAt;
      }
      let i = pickWorker(views, options.concurrency, cursor);
      const ahead = i === -1 && claims.buffer !== null && queue[0]!.body === null;
      if (ahead) {
        // Never ahead to a stalled worker, nor to one that has stopped moving while others move: the job
        // would sit behind a slow handler.
        for (let k = 0; k < slots.length; k++) views[k]!.ready &&= !stalled(slots[k]!, now);
        i = pickAhead(views, options.concurrency + options.lookahead, cursor);
      }
      if (i === -1) break;
      const claim = ahead ? claims.issue() : null;
      if (ahead && !claim) break;
      cursor = (i + 1) % slots.length;
      run(slots[i]!, queue.shift()!, claim);
    }
    if (queue.length === 0 && claims.buffer !== null) takeBack();
  }

  /** A worker with every slot taken that has finished nothing for lookaheadStall ms. */
  function stalled(slot: Slot, now: number): boolean {
    const jobs = slot.current?.jobs.size ?? 0;
    return jobs >= options.concurrency && now - slot.progressAt > options.lookaheadStall;
  }

  /** Jobs held ahead at stalled workers go back to the front of the queue (oldest first) while some
   * worker is still moving, so a blocked handler never holds up jobs queued behind it. */
  function reclaimFromStalled(now: number): void {
    let anyStalled = false;
    let anyMoving = false;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k]!;
      if (stalled(s, now)) anyStalled = true;
      else if (s.current?.ready && !s.stopping) anyMoving = true;
    }
    if (!anyStalled || !anyMoving) return;
    const back: Job[] = [];
    for (const slot of slots) {
      const life = slot.current;
      if (!life || !stalled(slot, now)) continue;
      for (const job of life.jobs.items()) {
        if (job.message.claim && revoke(job)) back.push(job);
      }
      for (const job of back) if (life.jobs.has(job.id)) detach(slot, life, job);
    }
    if (back.length > 0) queue.unshift(...back.sort((a, b) => a.id - b.id));
  }

  /** For each worker with a free slot, takes back the longest-waiting job sent ahead to another worker
   * (if that worker has not started it yet: the claim decides) and runs it on the free one. */
  function takeBack(): void {
    for (const free of slots) {
      const life = free.current;
      if (!life?.ready || free.stopping || life.jobs.size >= options.concurrency) continue;
      const taken = revokeOne(free);
      if (!taken) return; // nothing waits anywhere
      run(free, taken, null);
    }
  }

  function revokeOne(except: Slot): Job | null {
    for (const slot of slots) {
      const life = slot.current;
      if (slot === except || !life) continue;
      for (const job of life.jobs.items()) {
        if (job.message.claim && revoke(job)) {
          detach(slot, life, job); // changes the table: return at once
          return job;
        }
      }
    }
    return null;
  }

  /** Wins a job's claim for main (its worker has not started it). */
  function revoke(job: Job): boolean {
    const claim = job.message.claim;
    if (!claim || !claims.revoke(claim)) return false;
    job.message.claim = undefined;
    return true;
  }

  function releaseClaim(job: Job): void {
    const claim = job.message.claim;
    if (!claim) return;
    job.message.claim = undefined;
    claims.release(claim);
  }

  /** Removes a job that never ran from its worker's books (it will be run elsewhere). */
  function detach(slot: Slot, life: Incarnation, job: Job): void {
    job.stopDeadline();
    life.jobs.delete(job.id);
    if (life.jobs.size === 0) slot.busyMs += Date.now() - slot.busySince;
  }

  /** Sends a job to a worker: to start at once, or (with a claim) to wait behind its running jobs. */
  function run(slot: Slot, job: Job, claim: Claim | null): void {
    const life = slot.current!;
    if (life.jobs.size === 0) {
      slot.busySince = Date.now();
      slot.progressAt = performance.now();
    }
    life.jobs.add(job);
    if (claim) job.message.claim = claim;
    if (verbose) log(claim ? `worker ${slot.id} got a job; it waits behind the running one.` : `worker ${slot.id} got a job; executing.`);
    post(life, job.message);
    if (options.taskTimeout > 0) {
      job.slot = slot;
      job.life = life;
      job.startDeadline(deadlines, options.taskTimeout);
    }
    if (job.body) {
      const upload = (job.upload = new Outbox(job.body, options.bodyWindow));
      upload
        .pump(
          (chunk) => {
            const buffer = transferable(chunk);
            post(life, { v, t: "req-chunk", id: job.id, chunk: buffer }, [buffer]);
          },
          () => post(life, { v, t: "req-end", id: job.id }),
        )
        .catch(() => post(life, { v, t: "req-abort", id: job.id }));
    }
  }

  function answer(job: Job, response: Response): void {
    if (job.answered) return;
    job.answered = true;
    job.resolve(response);
  }

  /** The job is over on its worker, well or not: free the slot and let the next one in. */
  function settle(slot: Slot, life: Incarnation, job: Job, ok: boolean): void {
    job.stopDeadline();
    job.upload?.cancel();
    if (!life.jobs.delete(job.id)) return;
    releaseClaim(job);
    slot.progressAt = performance.now();
    if (ok) {
      completed++;
      slot.completed++;
    } else failed++;
    if (life.jobs.size === 0) slot.busyMs += Date.now() - slot.busySince;
    dispatch();
    if (onIdle && queue.length === 0 && running() === 0) onIdle();
  }

  /** taskTimeout passed before the response head: 504, and the stuck thread is replaced (its other
   * jobs, with concurrency > 1, fail as a crash would fail them). */
  function expire(slot: Slot, life: Incarnation, job: Job): void {
    if (job.answered) return;
    if (revoke(job)) {
      // Still waiting behind a stuck job: it never ran, so it goes back to the front of the queue (the
      // stuck job's own deadline deals with that worker).
      detach(slot, life, job);
      queue.unshift(job);
      dispatch();
      return;
    }
    log(`worker ${slot.id} missed the ${options.taskTimeout} ms deadline; terminating it.`);
    answer(job, plainResponse(504, "Gateway Timeout"));
    settle(slot, life, job, false);
    life.ready = false;
    void life.handle.terminate();
  }

  function onMessage(slot: Slot, life: Incarnation, message: FromWorker): void {
    if (message.t === "ready") {
      life.ready = true;
      life.readyOnce = true;
      if (++readyCount === options.workers) resolveReady();
      dispatch();
      return;
    }
    if (message.t === "init-error") {
      log(`worker ${slot.id}: ${message.message}`);
      rejectReady(new Error(message.message));
      return;
    }
    if (message.t === "exited" || message.t === "pong") return;
    const job = life.jobs.get(message.id);
    if (!job) return;
    switch (message.t) {
      case "head": {
        job.stopDeadline();
        const nullBody = isNullBodyStatus(message.status);
        if (message.bytes !== undefined) {
          // The whole body came with the head: the job is over on the worker already.
          const bytes = message.bytes;
          answerSimple(slot, life, job, message.status, message.statusText, message.fields, nullBody ? null : typeof bytes === "string" ? bytes : new Uint8Array(bytes));
          settle(slot, life, job, true);
          return;
        }
        if (!message.body || nullBody) {
          if (message.body) post(life, { v, t: "cancel", id: job.id });
          answerSimple(slot, life, job, message.status, message.statusText, message.fields, null);
          return;
        }
        job.download = new Inbox(
          options.bodyWindow,
          (n) => post(life, { v, t: "res-credit", id: job.id, n }),
          () => post(life, { v, t: "cancel", id: job.id }),
        );
        answerHead(slot, life, job, message.status, message.statusText, message.fields, job.download.stream);
        return;
      }
      case "res-chunk":
        job.download?.push(message.chunk);
        return;
      case "res-end":
        job.download?.end();
        settle(slot, life, job, true);
        return;
      case "req-credit":
        job.upload?.grant(message.n);
        return;
      case "error":
        log(`worker ${slot.id}: handler failed: ${message.message}`);
        answer(job, plainResponse(500, "Internal Server Error"));
        job.download?.fail(new Error("weft: the handler's response body failed"));
        settle(slot, life, job, false);
        return;
    }
  }

  /** A head whose whole body (or none) is here: the worker's Response was simple or has been read, and
   * its status and fields were checked there, so main builds its own without checking or copying. */
  function answerSimple(slot: Slot, life: Incarnation, job: Job, status: number, statusText: string, fields: string[], body: string | Uint8Array | null): void {
    if (status < 200 || status > 599) return answerHead(slot, life, job, status, statusText, fields, body as BodyInit | null);
    const response = responseFromParts(status, statusText, fields, body);
    markAnswered(response, slot.id);
    answer(job, response);
  }

  function answerHead(slot: Slot, life: Incarnation, job: Job, status: number, statusText: string, fields: string[], body: BodyInit | null): void {
    try {
      const response = new Response(body, { status, statusText, headers: pairsOf(fields) });
      markAnswered(response, slot.id);
      answer(job, response);
    } catch (error) {
      // A status the Response constructor refuses (outside 200..599): the app's bug, told as 502.
      log(`worker ${slot.id}: bad response head: ${error instanceof Error ? error.message : String(error)}`);
      answer(job, plainResponse(502, "Bad Gateway"));
      post(life, { v, t: "cancel", id: job.id });
    }
  }

  /** The deadline covers a response head; this covers what follows. Every taskTimeout, a worker with a
   * response in flight that has been silent that long is pinged; silent through the next round too,
   * its thread is stuck in synchronous code mid-body (a quiet async stream still answers): it is
   * terminated and replaced, and its jobs fail as in a crash. */
  function watch(): void {
    const now = Date.now();
    for (const slot of slots) {
      const life = slot.current;
      if (!life || ![...life.jobs.values()].some((job) => job.answered)) continue;
      if (now - life.heardAt < options.taskTimeout) continue;
      if (!life.pinged) {
        life.pinged = true;
        post(life, { v, t: "ping" });
        continue;
      }
      log(`worker ${slot.id} stopped answering mid-response; terminating it.`);
      life.ready = false;
      void life.handle.terminate();
    }
    watchdog = setTimeout(watch, options.taskTimeout);
  }
  let watchdog = options.taskTimeout > 0 ? setTimeout(watch, options.taskTimeout) : undefined;

  function onExit(slot: Slot, life: Incarnation, code: number, initError: string): void {
    life.ready = false;
    // Jobs sent ahead that it never started are not lost: back to the front of the queue, in order.
    const unstarted = [...life.jobs.values()].filter((job) => revoke(job));
    for (const job of unstarted) detach(slot, life, job);
    queue.unshift(...unstarted);
    for (const job of [...life.jobs.values()]) {
      answer(job, plainResponse(502, "Bad Gateway"));
      job.download?.fail(new Error(`weft: worker ${slot.id} exited mid-response`));
      settle(slot, life, job, false);
    }
    life.markExited();
    if (slot.current !== life) return;
    slot.current = null;
    if (slot.stopping) {
      log(`worker ${slot.id} stopped.`);
      if (!life.readyOnce) rejectReady(new Error("weft: the pool was closed before its workers were ready"));
      return;
    }
    if (initError || !life.readyOnce) {
      // It never became ready: replacing it would only fail the same way, in a loop.
      log(`worker ${slot.id} exited (code ${code}) before it was ready; not replacing it.`);
      rejectReady(new Error(initError || `weft: worker ${slot.id} exited (code ${code}) before it was ready`));
      if (slots.every((s) => s.current === null)) {
        for (const job of queue.splice(0)) {
          failed++;
          answer(job, plainResponse(502, "Bad Gateway"));
        }
        if (onIdle) onIdle();
      }
      return;
    }
    restarts++;
    log(`worker ${slot.id} exited (code ${code}); replacing it.`);
    start(slot);
  }

  /** fetch() without the promise: `answer` is called once, with the worker's response or the pool's
   * own (503, 502, 504, 500). The connection uses this one (ConnectionConfig.submit). */
  function submit(request: Request, info: ServeInfo, answerWith: (response: Response) => void): void {
    if (closing) {
      failed++;
      answerWith(plainResponse(503, "Service Unavailable", { "retry-after": String(RETRY_AFTER_SECONDS) }));
      return;
    }
    // Every thread failed to start (a broken app module): nothing will ever take this job.
    if (slots.every((s) => s.current === null)) {
      failed++;
      answerWith(plainResponse(502, "Bad Gateway"));
      return;
    }
    const id = nextJobId++;
    const remote = info.remoteAddr;
    const message: JobMessage = {
      v,
      t: "job",
      id,
      method: request.method,
      url: request.url,
      headers: requestFieldPairs(request) as [string, string][],
      info: { remoteAddr: { transport: "tcp", hostname: remote.hostname, port: remote.port } },
      body: request.body !== null,
    };
    const job = new Job(id, message, request.body, answerWith, onDeadline);
    queue.push(job);
    dispatch();
    // Still queued after dispatch: every worker is busy. Refuse rather than grow past maxQueue.
    if (queue.length > options.maxQueue) {
      queue.pop();
      failed++;
      answer(job, plainResponse(503, "Service Unavailable", { "retry-after": String(RETRY_AFTER_SECONDS) }));
    }
  }

  return {
    ready,
    fetch(request, info) {
      return new Promise<Response>((resolve) => submit(request, info, resolve));
    },
    submit,
    close() {
      if (closed) return closed;
      closing = true;
      closed = (async () => {
        const deadline = Date.now() + options.drainTimeout;
        const remaining = () => Math.max(0, deadline - Date.now());
        const within = (p: Promise<void>) =>
          new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), remaining());
            p.then(() => {
              clearTimeout(timer);
              resolve(true);
            });
          });
        if (queue.length > 0 || running() > 0) {
          await within(new Promise<void>((resolve) => (onIdle = resolve)));
          onIdle = null;
        }
        const live = slots.filter((s) => s.current !== null);
        for (const slot of live) {
          slot.stopping = true;
          log(`shutting down worker ${slot.id}.`);
          post(slot.current!, { v, t: "shutdown" });
        }
        await Promise.all(
          live.map(async (slot) => {
            const life = slot.current!;
            if (!(await within(life.exited))) {
              log(`worker ${slot.id} did not stop within drainTimeout; terminating it.`);
              await life.handle.terminate();
              await life.exited;
            }
          }),
        );
        for (const job of queue.splice(0)) {
          failed++;
          answer(job, plainResponse(503, "Service Unavailable"));
        }
        clearTimeout(watchdog);
      })();
      return closed;
    },
    async destroy() {
      closing = true;
      clearTimeout(watchdog);
      const live = slots.filter((s) => s.current !== null);
      for (const slot of live) slot.stopping = true;
      await Promise.all(live.map(async (slot) => {
        const life = slot.current!;
        await life.handle.terminate();
        await life.exited;
      }));
      // After the exits: jobs a dead worker never started were put back in the queue by onExit.
      for (const job of queue.splice(0)) {
        failed++;
        answer(job, plainResponse(503, "Service Unavailable"));
      }
    },
    stats() {
      const now = Date.now();
      const perWorker = slots.map((s) => {
        const jobs = s.current?.jobs.size ?? 0;
        return { id: s.id, alive: !s.stopping && !!s.current?.ready, busyMs: s.busyMs + (jobs > 0 ? now - s.busySince : 0), completed: s.completed, running: jobs };
      });
      return { workers: slots.length, queued: queue.length, running: running(), completed, failed, restarts, perWorker };
    },
    workerOf: (response) => (response as unknown as Record<symbol, number | undefined>)[answeredBy],
  };
}
