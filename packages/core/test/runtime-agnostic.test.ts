// packages/core must run unchanged on Node, Deno and Bun: it may use web-standard APIs only.
// This test fails when any file under src/ reaches for a runtime-specific API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

const FORBIDDEN: [string, RegExp][] = [
  ["a node: import", /\bfrom\s*["']node:|\bimport\s*\(\s*["']node:|\brequire\s*\(/],
  ["a bare Node built-in import", /\bfrom\s*["'](fs|net|path|os|worker_threads|child_process|http|stream|buffer|url|events)["']/],
  ["the Deno namespace", /\bDeno\s*\./],
  ["the Bun namespace", /\bBun\s*\./],
  ["the process global", /\bprocess\s*\./],
  ["Node's Buffer", /\bBuffer\s*\./],
  ["a bun: import", /["']bun:|from\s*["']bun["']/],
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

/** Comments may name runtimes (they explain why); code may not. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

test("core sources use no runtime-specific API", () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 0, "found no source files to check");
  const hits: string[] = [];
  for (const file of files) {
    const code = stripComments(readFileSync(file, "utf8"));
    for (const [what, pattern] of FORBIDDEN) {
      if (pattern.test(code)) hits.push(`${file}: ${what}`);
    }
  }
  assert.deepEqual(hits, []);
});

test("the checker itself catches each forbidden API", () => {
  const samples = [
    'import { x } from "node:fs";',
    "const f = Deno.open;",
    "Bun.serve({})",
    "process.env.X",
    'import net from "net";',
  ];
  for (const sample of samples) {
    assert.ok(FORBIDDEN.some(([, p]) => p.test(stripComments(sample))), sample);
  }
  assert.ok(!FORBIDDEN.some(([, p]) => p.test(stripComments("// Deno.listen is used by the adapter"))));
});
