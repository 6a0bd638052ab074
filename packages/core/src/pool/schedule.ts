// Worker choice, as a pure function (Piscina keeps it the same way), so it is tested without threads.
//
// The pool keeps ONE shared FIFO on the dispatcher side (pool.ts): a job is handed to a worker only
// when that worker has a free slot, so a job never waits behind a busy worker while another one is
// free — the seed's `Arc<Mutex<Receiver>>` shared queue, without a lock. The alternative the issue
// offers, a SharedArrayBuffer ring that workers pull from with Atomics, would save one message hop
// but cannot move bodies and would need a blocked-on-Atomics worker, which defeats async handlers.

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
