// weft on Bun: the "bun" export condition and the explicit "weft/bun" subpath resolve here.
export { serve } from "@weft/bun";
export { fs } from "@weft/bun";
export type * from "@weft/core";
