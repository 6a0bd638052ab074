// Worker choice, as a pure function (Piscina keeps it the same way), so it is tested without threads.
//
// The pool keeps ONE shared FIFO on the dispatcher side (pool.ts): a job is handed to a worker with a
// free slot first, so a job never waits behind a busy worker while another one is free — the seed's
// `Arc<Mutex<Receiver>>` shared queue, without a lock. A job sent ahead to a busy worker (lookahead,
// which saves the round trip through main between back-to-back short jobs: ~3× the GET / rate through
// a 2-worker pool on Node here) carries an Atomics claim, so it is taken back when a worker frees up.
// The alternative the issue offers, a SharedArrayBuffer ring that workers pull from, cannot move bodies
// and needs a worker blocked in Atomics.wait to notice work, which defeats async handlers.

/** What the scheduler needs to know about one worker slot. */
export interface SlotView {
  /** The worker has said "ready" and is not being replaced or shut down. */
  ready: boolean;
  /** Jobs it is running now. */
  running: number;
}

/**
 * The slot that should take the next job, or -1 when none has a free slot.
 *
 * Least-loaded first (with `concurrency` > 1 this spreads async jobs instead of stacking them on
 * worker 1); ties go to the first free slot at or after `cursor`, so equally idle workers take turns
 * (round robin) and every worker's code path stays warm.
 */
export function pickWorker(slots: readonly SlotView[], concurrency: number, cursor: number): number {
  let best = -1;
  const n = slots.length;
  for (let k = 0; k < n; k++) {
    const i = (cursor + k) % n;
    const slot = slots[i]!;
    if (!slot.ready || slot.running >= concurrency) continue;
    if (best === -1 || slot.running < slots[best]!.running) best = i;
  }
  return best;
}

/** What the scheduler needs to know to send a job ahead to a busy worker (lookahead). */
export interface AheadView extends SlotView {
  /** When the worker last finished a job (or started one after idling), in ms. */
  progressAt: number;
}

/** How far (ms) a busy worker's last progress may trail the most recent one for jobs to be sent ahead
 * to it. A handler that blocks its thread stops its worker's progress at once; without this window the
 * least-loaded rule would prefer that worker (it holds one job, the moving ones hold several) until it
 * counts as stalled (lookaheadStall), and each job sent there would wait that long to be taken back. */
export const AHEAD_LAG_MS = 1;

/**
 * The busy worker that should hold the next job ahead (it waits there behind its `running` jobs, up to
 * `limit`), or -1: the job then waits in the shared FIFO for the next free slot.
 *
 * Only workers whose last progress is within AHEAD_LAG_MS of the most recent one qualify; among those,
 * the least loaded, then the one at or after `cursor` (as pickWorker).
 */
export function pickAhead(slots: readonly AheadView[], limit: number, cursor: number): number {
  let newest = -Infinity;
  for (const slot of slots) if (slot.ready && slot.progressAt > newest) newest = slot.progressAt;
  let best = -1;
  const n = slots.length;
  for (let k = 0; k < n; k++) {
    const i = (cursor + k) % n;
    const slot = slots[i]!;
    if (!slot.ready || slot.running >= limit || slot.progressAt < newest - AHEAD_LAG_MS) continue;
    if (best === -1 || slot.running < slots[best]!.running) best = i;
  }
  return best;
}
