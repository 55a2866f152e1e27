/**
 * Thrown when bytes handed to a sketch decoder are not a valid encoding. Sketches come back from
 * Durable Object storage and from peers, so a decoder must reject anything it would not itself have
 * produced rather than build a sketch that silently over- or under-counts.
 */
export class SketchDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SketchDecodeError";
  }
}
