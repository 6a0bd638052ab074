// Smoke test of @weft/bun on a real socket (run under `bun test` only; the adapter is Bun's): the
// shared adapter suite (core's test/fixtures/adapter-smoke.ts).
import { adapterSmokeSuite } from "../../core/test/fixtures/adapter-smoke.ts";
import { serve } from "../src/index.ts";

adapterSmokeSuite("bun", serve);
