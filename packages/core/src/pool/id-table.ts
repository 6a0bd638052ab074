// The jobs one side of the pool holds (main: per thread; a worker: those it runs), looked up by job id.
//
// Not a Map. A Map that keeps gaining and losing entries rehashes every few insertions, and V8 links
// each old table to its successor (for iterators that outlive a rehash). Once one table of that chain
// has been promoted to the old generation, it keeps the next one alive through every scavenge, that one
// the next, and the jobs in each with their requests, messages and bodies. Under load nearly every job
// then survived its first scavenge and was promoted: measured with `node --trace-gc-nvp` on GET /
// through a pool of 1, ~1 KiB per request copied, main-thread scavenges of 5-10 ms instead of under 1,
// and those pauses were the pool's p99. A plain array has no such chain. A side holds at most
// concurrency + lookahead jobs per thread (9 by default), and a lookup or removal scans them: cheap for
// those numbers, linear in `concurrency` for a pool configured to run hundreds of async jobs per thread.

export class IdTable<T extends { readonly id: number }> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  get(id: number): T | undefined {
    const items = this.#items;
    for (let i = 0; i < items.length; i++) if (items[i]!.id === id) return items[i];
    return undefined;
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds an item; its id must not be in the table already. */
  add(item: T): void {
    this.#items.push(item);
  }

  delete(id: number): boolean {
    const items = this.#items;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.id !== id) continue;
      items.splice(i, 1);
      return true;
    }
    return false;
  }

  /** The items held now, oldest first, as the table's own array: do not add or delete while going
   * through it (or stop going through it right after). */
  items(): readonly T[] {
    return this.#items;
  }

  /** The items held now, oldest first, as a copy (safe to change the table while going through it). */
  values(): T[] {
    return this.#items.slice();
  }
}
