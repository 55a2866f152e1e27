/** Dense form: one register per byte, m = 2^p of them, each the largest rank seen at its index. */
import { RANK_MASK } from "./sparse";

/** Raises the registers of precision `p` to the ranks of the sparse entries e[0, count). */
export function addEntries(regs: Uint8Array, e: Uint32Array, count: number, p: number): void {
  for (let i = 0; i < count; i++) {
    const index = e[i]! >>> (32 - p);
    const rank = e[i]! & RANK_MASK;
    if (rank > regs[index]!) regs[index] = rank;
  }
}

/** Register-wise max of `other` into `regs` (m registers each). */
export function maxInto(regs: Uint8Array, other: Uint8Array, m: number): void {
  for (let i = 0; i < m; i++) if (other[i]! > regs[i]!) regs[i] = other[i]!;
}

/** Scratch registers per precision for union estimates, so a query allocates nothing. */
const scratch: (Uint8Array | undefined)[] = [];

/** The zeroed scratch registers of precision `p` (m of them), shared by all callers. */
export function scratchRegisters(p: number, m: number): Uint8Array {
  let regs = scratch[p];
  if (regs === undefined) regs = scratch[p] = new Uint8Array(m);
  else regs.fill(0);
  return regs;
}
