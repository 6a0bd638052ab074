// weft on Node: the "node" export condition and the explicit "weft/node" subpath resolve here.
export { serve } from "@weft/node";
export { fs } from "@weft/node";
export type * from "@weft/core";
