/** A list of 32-bit numbers that grows (a typed array doubled when full). */
export class Numbers {
  private a = new Int32Array(1024);
  length = 0;

  push(x: number): void;
  push(x: number, y: number): void;
  push(x: number, y?: number): void {
    if (this.length + 2 > this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = x;
    if (y !== undefined) this.a[this.length++] = y;
  }

  /** The numbers pushed, as an array of their exact length. */
  done(): Int32Array {
    return this.a.slice(0, this.length);
  }
}
