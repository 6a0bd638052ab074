// Smoke test of @weft/node on a real socket (run under `node --test` only; the adapter is Node's): the
// shared adapter suite (core's test/fixtures/adapter-smoke.ts).
import { adapterSmokeSuite } from "../../core/test/fixtures/adapter-smoke.ts";
import { serve } from "../src/index.ts";

adapterSmokeSuite("node", serve);
