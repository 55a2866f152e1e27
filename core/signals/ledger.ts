/**
 * A bounded set of 32-bit keyed hashes, oldest forgotten first: what an account has already sent.
 *
 * Two uses. Conversation states: after each request the account remembers the hash of its user turns
 * so far; a later request whose history (every user turn but the new one) is not in the set carries
 * a conversation this account never had with us: a fabricated history, which earns no credit as a
 * conversation. Prompts: a prompt already in the set is a retry or a repeat, neutral evidence
 * (neither cover for a sweep nor a step towards escalation).
 *
 * 32-bit hashes keep it small (4 bytes an entry); a false "seen" needs a collision among the
 * remembered entries, under 1 in 2^20 at the default capacity, and only ever errs towards credit.
 */
import { SketchDecodeError } from "../sketch-error";

const LEDGER_FORMAT_VERSION = 1;
const HEADER_BYTES = 1 + 4 + 4;

export class Ledger {
  private readonly ring: Uint32Array;
  /** Each hash is in the ring at most once (`add` skips members), with the count of adds before it. */
  private readonly members = new Map<number, number>();
  private added = 0;
  /** Next slot to write; entries fill the ring in order and wrap. */
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 1 << 20) throw new RangeError("ledger capacity must be an integer in [1, 2^20]");
    this.ring = new Uint32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  has(hash: number): boolean {
    return this.members.has(hash >>> 0);
  }

  /** Entries added after `hash`, or -1 when it is not remembered. */
  age(hash: number): number {
    const at = this.members.get(hash >>> 0);
    return at === undefined ? -1 : this.added - at - 1;
  }

  /** Remembers a hash; returns whether it was already there (then nothing changes). */
  add(hash: number): boolean {
    const h = hash >>> 0;
    if (this.members.has(h)) return true;
    if (this.size === this.capacity) {
      this.members.delete(this.ring[this.head]!);
    } else {
      this.size++;
    }
    this.ring[this.head] = h;
    this.members.set(h, this.added++);
    this.head = (this.head + 1) % this.capacity;
    return false;
  }

  /** version u8, capacity u32, size u32, then the entries oldest first (u32 LE). */
  marshal(): Uint8Array {
    const out = new Uint8Array(HEADER_BYTES + this.size * 4);
    const view = new DataView(out.buffer);
    out[0] = LEDGER_FORMAT_VERSION;
    view.setUint32(1, this.capacity, true);
    view.setUint32(5, this.size, true);
    const start = this.size === this.capacity ? this.head : 0;
    for (let i = 0; i < this.size; i++) view.setUint32(HEADER_BYTES + i * 4, this.ring[(start + i) % this.capacity]!, true);
    return out;
  }

  /**
   * Strict decode. A ledger stored with another capacity is read into this one's (keeping the newest
   * entries), so changing the capacity loses nothing but what no longer fits.
   */
  static unmarshal(bytes: Uint8Array, capacity: number): Ledger {
    if (bytes.byteLength < HEADER_BYTES) throw new SketchDecodeError("ledger record is truncated");
    if (bytes[0] !== LEDGER_FORMAT_VERSION) throw new SketchDecodeError("unknown ledger format version");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const storedCapacity = view.getUint32(1, true);
    const size = view.getUint32(5, true);
    if (storedCapacity < 1 || size > storedCapacity) throw new SketchDecodeError("ledger size exceeds its capacity");
    if (bytes.byteLength !== HEADER_BYTES + size * 4) throw new SketchDecodeError("ledger record length does not match its size");
    const ledger = new Ledger(capacity);
    for (let i = Math.max(0, size - capacity); i < size; i++) ledger.add(view.getUint32(HEADER_BYTES + i * 4, true));
    return ledger;
  }
}
