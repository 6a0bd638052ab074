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
