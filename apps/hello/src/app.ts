// The seed app: the Rust book's final project (ch. 21) as a weft app module (`export default { fetch }`).
//   GET /       → 200 hello.html
//   GET /sleep  → 200 hello.html after blocking its thread for 5 s (the seed's thread::sleep): on the
//                 worker pool only that worker waits while the others keep serving (issue 4)
//   otherwise   → 404 404.html
// The pages are read once, relative to this file, with node:fs/promises (which Node, Deno and Bun all
// provide; `fetch` cannot read file: URLs on Node).
import { readFile } from "node:fs/promises";

/** How long GET /sleep blocks its thread. */
export const SLEEP_MS = 5_000;

const page = (name: string): Promise<string> => readFile(new URL(`../public/${name}`, import.meta.url), "utf8");
const [HELLO, NOT_FOUND] = await Promise.all([page("hello.html"), page("404.html")]);
const HTML = { "content-type": "text/html; charset=utf-8" };

/** A synchronous sleep: nothing else runs on this thread meanwhile (with `--workers 0` that is the
 * whole server, as in the book's single-threaded version). */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)), 0, 0, ms);
}

async function fetch(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "GET" && pathname === "/") return new Response(HELLO, { headers: HTML });
  if (request.method === "GET" && pathname === "/sleep") {
    blockFor(SLEEP_MS);
    return new Response(HELLO, { headers: HTML });
  }
  return new Response(NOT_FOUND, { status: 404, headers: HTML });
}

export default { fetch };
