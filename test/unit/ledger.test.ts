import { describe, expect, it } from "vitest";
import { Ledger } from "../../core/signals/ledger";
import { SketchDecodeError } from "../../core/sketch-error";

describe("Ledger", () => {
  it("remembers what it was given and reports repeats", () => {
    const l = new Ledger(8);
    expect(l.add(1)).toBe(false);
    expect(l.add(2)).toBe(false);
    expect(l.add(1)).toBe(true);
    expect(l.has(2)).toBe(true);
    expect(l.has(3)).toBe(false);
    expect(l.length).toBe(2);
  });

  it("forgets the oldest entries first once full", () => {
    const l = new Ledger(4);
    for (let i = 1; i <= 6; i++) l.add(i);
    expect([1, 2, 3, 4, 5, 6].map((h) => l.has(h))).toEqual([false, false, true, true, true, true]);
    expect(l.length).toBe(4);
    // A repeat does not refresh or duplicate an entry, so it cannot crowd others out.
    l.add(3);
    l.add(7);
    expect(l.has(3)).toBe(false);
    expect(l.has(7)).toBe(true);
  });

  it("treats hashes as unsigned 32-bit values", () => {
    const l = new Ledger(4);
    l.add(-1);
    expect(l.has(0xffffffff)).toBe(true);
  });

  it("round-trips through its binary form, keeping age order", () => {
    const l = new Ledger(5);
    for (let i = 10; i < 17; i++) l.add(i * 7919);
    const back = Ledger.unmarshal(l.marshal(), 5);
    expect(back.marshal()).toEqual(l.marshal());
    back.add(99);
    // The oldest surviving entry (12 * 7919) goes first in the copy, as in the original.
    expect(back.has(12 * 7919)).toBe(false);
    expect(back.has(13 * 7919)).toBe(true);
  });

  it("keeps the newest entries when read into a smaller capacity", () => {
    const l = new Ledger(6);
    for (let i = 1; i <= 6; i++) l.add(i);
    const small = Ledger.unmarshal(l.marshal(), 3);
    expect([1, 2, 3, 4, 5, 6].map((h) => small.has(h))).toEqual([false, false, false, true, true, true]);
  });

  it("rejects malformed records", () => {
    const good = new Ledger(4);
    good.add(5);
    const bytes = good.marshal();
    const bad = [
      bytes.subarray(0, 3),
      Uint8Array.from([9, ...bytes.subarray(1)]),
      bytes.subarray(0, bytes.length - 1),
      Uint8Array.from([...bytes, 0]),
      (() => {
        const b = bytes.slice();
        new DataView(b.buffer).setUint32(5, 9, true); // size over capacity
        return b;
      })(),
    ];
    for (const b of bad) expect(() => Ledger.unmarshal(b, 4)).toThrow(SketchDecodeError);
    expect(() => new Ledger(0)).toThrow(RangeError);
  });
});
