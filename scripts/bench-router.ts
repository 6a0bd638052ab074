// Router micro-benchmark (issue 2): matching must not be linear in the number of routes.
// Prints ns/match for 10 and 1,000 routes and their ratio, next to a naive linear scan of regexes as a
// control (which should slow down ~100x), so the numbers show the benchmark can see the difference.
// Run: `npm run bench:router` (Node) — or `npx bun scripts/bench-router.ts`, `npx deno run scripts/bench-router.ts`.
// Bounded: a fixed number of iterations per case; prints and exits.
import { Router, type RouteHandler } from "../packages/core/src/router.ts";

const ITERATIONS = 200_000;
const WARMUP = 200_000;
// The machine is shared: the two sizes are measured in alternating rounds and each keeps its best round,
// so a burst of load elsewhere cannot land on one size only.
const ROUNDS = 5;
const LINEAR_ITERATIONS = 20_000;
const ROUTE_SHAPES = 4;

const ok: RouteHandler = () => new Response("ok");

/** `count` routes of four realistic shapes, and one request target per route. */
function workload(count: number): { patterns: string[]; targets: string[] } {
  const patterns: string[] = [];
  const targets: string[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % ROUTE_SHAPES) {
      case 0:
        patterns.push(`/api/v1/resource${i}`);
        targets.push(`/api/v1/resource${i}?page=2`);
        break;
      case 1:
        patterns.push(`/api/v1/resource${i}/:id`);
        targets.push(`/api/v1/resource${i}/12345`);
        break;
      case 2:
        patterns.push(`/users${i}/:user/posts/:post`);
        targets.push(`/users${i}/ann/posts/99`);
        break;
      default:
        patterns.push(`/assets${i}/*`);
        targets.push(`/assets${i}/css/site.css`);
    }
  }
  return { patterns, targets };
}

/** A router over `count` routes and a function timing one round of lookups on it (ns/match). */
function routerBench(count: number): () => number {
  const { patterns, targets } = workload(count);
  const router = new Router();
  for (const p of patterns) router.get(p, ok);
  // The same number of lookups over the same spread of shapes, whatever the route count.
  const sample = Array.from({ length: 1024 }, (_, i) => targets[(i * 7919) % targets.length]!);
  const run = (iterations: number): number => {
    let sink = 0;
    for (let i = 0; i < iterations; i++) sink += router.match("GET", sample[i & 1023]!).status;
    if (sink !== iterations * 200) throw new Error("a target did not match its route");
    return sink;
  };
  run(WARMUP);
  return () => {
    const start = performance.now();
    run(ITERATIONS);
    return ((performance.now() - start) * 1e6) / ITERATIONS;
  };
}

function bestOfRounds(a: () => number, b: () => number): [number, number] {
  let bestA = Number.POSITIVE_INFINITY;
  let bestB = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    bestA = Math.min(bestA, a());
    bestB = Math.min(bestB, b());
  }
  return [bestA, bestB];
}

/** The control: try each route's regex in order (what a naive router does). */
function benchLinear(count: number): number {
  const { patterns, targets } = workload(count);
  const regexes = patterns.map((p) => new RegExp("^" + p.replace(/:[A-Za-z]+/g, "([^/]+)").replace("*", "(.*)") + "$"));
  const sample = Array.from({ length: 1024 }, (_, i) => targets[(i * 7919) % targets.length]!.split("?")[0]!);
  let found = 0;
  const start = performance.now();
  for (let i = 0; i < LINEAR_ITERATIONS; i++) {
    const path = sample[i & 1023]!;
    for (const re of regexes) if (re.test(path)) { found++; break; }
  }
  const ns = ((performance.now() - start) * 1e6) / LINEAR_ITERATIONS;
  if (found !== LINEAR_ITERATIONS) throw new Error("linear control missed a route");
  return ns;
}

const fmt = (ns: number): string => ns.toFixed(0).padStart(7) + " ns/match";
const [small, large] = bestOfRounds(routerBench(10), routerBench(1000));
console.log(`weft Router      10 routes: ${fmt(small)}`);
console.log(`weft Router   1,000 routes: ${fmt(large)}`);
console.log(`weft Router   ratio 1,000/10: ${(large / small).toFixed(2)}x`);
const linearSmall = benchLinear(10);
const linearLarge = benchLinear(1000);
console.log(`linear regex     10 routes: ${fmt(linearSmall)}   (control)`);
console.log(`linear regex  1,000 routes: ${fmt(linearLarge)}   (control)`);
console.log(`linear regex  ratio 1,000/10: ${(linearLarge / linearSmall).toFixed(2)}x`);
