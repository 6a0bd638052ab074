#!/usr/bin/env node
// `npx weft …` on Node: Node 20 cannot run TypeScript itself, so register tsx's ESM loader in this
// process, then load the CLI source. (Deno and Bun run src/cli.ts directly.)
import { relative, isAbsolute } from "node:path";
import process from "node:process";
import { register } from "tsx/esm/api";

// Inside a folder of an npm workspace package, `npx weft serve .` (npm exec) starts this process in that
// package's own folder, not in the folder the user typed the command in (npm 11, checked: cwd is the
// workspace, INIT_CWD the user's folder). `.` must mean the folder the user is in, so go back down to it.
// Only when INIT_CWD is strictly below our cwd: an explicit `npm exec -w pkg` (INIT_CWD above), a
// package.json script (INIT_CWD equal) and a plain npx outside workspaces (cwd unchanged) stay as npm
// started them.
const typedIn = process.env.npm_command === "exec" ? process.env.INIT_CWD : undefined;
if (typedIn) {
  const down = relative(process.cwd(), typedIn);
  if (down !== "" && !down.startsWith("..") && !isAbsolute(down)) process.chdir(typedIn);
}

register();
await import(new URL("../src/cli.ts", import.meta.url).href);
