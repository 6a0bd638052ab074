// weft's worker entry on Deno when the pool runs workers as child processes (see worker.ts): core's
// child side of a process worker, over this process's IPC channel to the parent.
import process from "node:process";
import { type ParentChannel, runAsChildProcess } from "@weft/core/pool";
import { ownNice } from "./nice.ts";

runAsChildProcess(process as ParentChannel, { nice: ownNice });
