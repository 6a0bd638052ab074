// An inline server loads neither the worker pool nor the adapter's worker host: @weft/core does not
// re-export pool/ (it is "@weft/core/pool"), serve() imports it only when it starts a pool, and each
// adapter's index loads worker.ts (node:worker_threads, node:child_process) through `loadWorkerHost`.
// On Deno that is ~1.5 MB of heap an inline server does not carry (BENCHMARKS.md, "What an inline
// server loads"). These tests read the static import graph, so they fail when a static import brings
// either back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveHandler } from "../src/server.ts";
import type { RuntimePorts } from "../src/types.ts";

const PACKAGES = fileURLToPath(new URL("../../", import.meta.url));

/** Specifiers a module loads when it is evaluated: `import … from`, `export … from`, `import "x"`.
 * Type-only imports and exports are erased, and `import(…)` loads nothing until it runs. */
function staticSpecifiers(code: string): string[] {
  const stripped = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out: string[] = [];
  const fromClause = /^\s*(import|export)\s+(type\s)?[^;]*?\bfrom\s*["']([^"']+)["']/gm;
  for (const match of stripped.matchAll(fromClause)) if (match[2] === undefined) out.push(match[3]!);
  for (const match of stripped.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) out.push(match[1]!);
  return out;
}

/** Every file a module's static imports reach (relative specifiers followed), and the bare specifiers
 * met on the way (not followed). Paths are relative to packages/. */
function staticGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    const key = relative(PACKAGES, file);
    if (files.has(key)) return;
    files.add(key);
    for (const specifier of staticSpecifiers(readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) {
        bare.add(specifier);
        continue;
      }
      const target = join(dirname(file), specifier);
      assert.ok(existsSync(target), `${key} imports ${specifier}, which does not exist`);
      visit(target);
    }
  };
  visit(join(PACKAGES, entry));
  return { files, bare };
}

test("the import reader sees static imports only", () => {
  const code = [
    'import { a } from "./a.ts";',
    "import {",
    "  b,",
    "  type C,",
    '} from "./b.ts";',
    'export { d } from "./d.ts";',
    'export * from "./e.ts";',
    'import "./side-effect.ts";',
    'import type { T } from "./types.ts";',
    'export type * from "./more-types.ts";',
    'const lazy = () => import("./lazy.ts");',
    '// import { commented } from "./commented.ts";',
  ].join("\n");
  assert.deepEqual(staticSpecifiers(code), ["./a.ts", "./b.ts", "./d.ts", "./e.ts", "./side-effect.ts"]);
});

test("@weft/core's entry does not reach the pool", () => {
  const { files } = staticGraph("core/src/index.ts");
  assert.ok(files.has(join("core", "src", "server.ts")), "the walk should reach server.ts");
  assert.deepEqual([...files].filter((f) => f.startsWith(join("core", "src", "pool"))), []);
});

test("@weft/core/pool's entry reaches the pool", () => {
  const { files } = staticGraph("core/src/pool/index.ts");
  assert.ok(files.has(join("core", "src", "pool", "pool.ts")));
});

for (const runtime of ["node", "deno", "bun"]) {
  test(`@weft/${runtime}'s entry does not reach its worker host`, () => {
    const { files, bare } = staticGraph(`${runtime}/src/index.ts`);
    assert.ok(files.has(join(runtime, "src", "listen.ts")), "the walk should reach listen.ts");
    assert.ok(!files.has(join(runtime, "src", "worker.ts")));
    const workerModules = [...bare].filter((s) => /worker_threads|child_process|@weft\/core\/pool/.test(s));
    assert.deepEqual(workerModules, []);
  });
}

/** Ports for resolveHandler alone: only loadWorkerHost and importModule can be reached. */
function ports(loadWorkerHost: RuntimePorts["loadWorkerHost"]): RuntimePorts {
  const unused = () => {
    throw new Error("not used in this test");
  };
  return {
    listen: unused,
    loadWorkerHost,
    signals: { onShutdownSignal: unused },
    fs: { stat: unused, lstat: unused, realPath: unused, readDir: unused, openRange: unused },
    importModule: async () => ({ default: { fetch: () => new Response("inline") } }),
  };
}

test("an inline handler never loads the worker host; a pool loads it and fails with it", async () => {
  let loads = 0;
  const failing = ports(() => {
    loads++;
    return Promise.reject(new Error("no worker host here"));
  });
  await resolveHandler({ fetch: () => new Response("inline") }, failing);
  await resolveHandler({ module: "file:///app.ts", workers: 0 }, failing);
  assert.equal(loads, 0);
  await assert.rejects(resolveHandler({ module: "file:///app.ts", workers: 2 }, failing), /no worker host here/);
  assert.equal(loads, 1);
});
