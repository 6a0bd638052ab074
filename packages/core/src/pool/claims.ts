// Claims (protocol.ts, "claims"): how main takes back a job sent ahead to a busy worker (pool.lookahead)
// without a message or a lock. One Int32 cell per job that may be out ahead of time, shared by main and
// every worker; whoever swaps the job's token first, with Atomics.compareExchange, owns the job.

import { type Claim, CLAIM_GENERATION_STEP, CLAIM_REVOKED, CLAIM_STARTED } from "./protocol.ts";

/** Tokens wrap below this: a positive Int32 with the two state bits clear. */
const TOKEN_LIMIT = 2 ** 30;

/** Main's side: hands out cells, and wins them back for jobs not started yet. */
export class ClaimTable {
  /** Shared with every worker (in its start-up data); null when claims are off. */
  readonly buffer: SharedArrayBuffer | null;
  readonly #cells: Int32Array | null;
  /** Last token written to each cell: the next one is a new generation, so a stale job message can
   * never win a cell that was since reused. */
  readonly #tokens: number[];
  readonly #free: number[];

  /** `size` cells; 0 (no lookahead), or a runtime without SharedArrayBuffer, turns claims off. */
  constructor(size: number) {
    const usable = size > 0 && typeof SharedArrayBuffer === "function";
    this.buffer = usable ? new SharedArrayBuffer(size * Int32Array.BYTES_PER_ELEMENT) : null;
    this.#cells = this.buffer ? new Int32Array(this.buffer) : null;
    this.#tokens = new Array(usable ? size : 0).fill(0);
    this.#free = Array.from({ length: usable ? size : 0 }, (_, i) => size - 1 - i);
  }

  /** A fresh claim, or null when claims are off or every cell is out. */
  issue(): Claim | null {
    const cell = this.#free.pop();
    if (cell === undefined || !this.#cells) return null;
    const token = (this.#tokens[cell]! + CLAIM_GENERATION_STEP) % TOKEN_LIMIT;
    this.#tokens[cell] = token;
    Atomics.store(this.#cells, cell, token);
    return { cell, token };
  }

  /** Takes the job back if its worker has not started it; the cell is then free again. */
  revoke(claim: Claim): boolean {
    if (!this.#cells) return false;
    const won = Atomics.compareExchange(this.#cells, claim.cell, claim.token, claim.token | CLAIM_REVOKED) === claim.token;
    if (won) this.#free.push(claim.cell);
    return won;
  }

  /** The job is over (it ran): its cell may be reused. */
  release(claim: Claim): void {
    this.#free.push(claim.cell);
  }
}

/** A worker's side: true when this worker may start the job (main has not taken it back). */
export function tryStart(cells: Int32Array, claim: Claim): boolean {
  return Atomics.compareExchange(cells, claim.cell, claim.token, claim.token | CLAIM_STARTED) === claim.token;
}
