/**
 * The two 32-bit lanes a state hash is fed into (hash.ts), also used alone for the
 * precomputed head of each shape (classes.ts).
 */
export class Mixer {
  protected h1 = 0x811c9dc5;
  protected h2 = 0x01000193;

  /** Feeds one 32-bit word. */
  word(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x85ebca6b);
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h2 = Math.imul(this.h2 ^ x, 0xc2b2ae35);
    this.h2 = (this.h2 << 17) | (this.h2 >>> 15);
    this.h2 = (this.h2 + this.h1) | 0;
  }

  /** Feeds a string (its length, then its UTF-16 units). */
  text(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  /** The raw state (for frozenHash and a shape's head). */
  words(): [number, number] {
    return [this.h1, this.h2];
  }
}
