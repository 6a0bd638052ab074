// Smoke test of @weft/deno on a real socket (run under `deno test` only; the adapter is Deno's): the
// shared adapter suite (core's test/fixtures/adapter-smoke.ts).
import { adapterSmokeSuite } from "../../core/test/fixtures/adapter-smoke.ts";
import { serve } from "../src/index.ts";

adapterSmokeSuite("deno", serve);
