/**
 * vsnprintf/kvasprintf for kthread names (lib/vsprintf.c): the conversions a name format
 * uses — %d %i %u %x %X %o %s %c %ld %lu %lx %lld %llu %llx %zu %p, field width, '-' and
 * '0' flags, precision for strings — and %% . Integers are taken as C would see them:
 * %u and %x of a negative int print its 32-bit two's complement (64-bit with l/ll/z).
 */

export type PrintfArg = number | bigint | string;

const CONVERSION = /%([-0+ #]*)(\d+|\*)?(?:\.(\d+|\*))?(hh|h|ll|l|z|t)?([diuxXoscp%])/g;

function toUnsigned(v: number | bigint, bits: 32 | 64): bigint {
  const b = BigInt(typeof v === "number" ? Math.trunc(v) : v);
  return BigInt.asUintN(bits, b);
}

function toSigned(v: number | bigint, bits: 32 | 64): bigint {
  const b = BigInt(typeof v === "number" ? Math.trunc(v) : v);
  return BigInt.asIntN(bits, b);
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width, " ");
  if (zero) {
    const sign = s[0] === "-" || s[0] === "+" ? (s[0] as string) : "";
    return sign + s.slice(sign.length).padStart(width - sign.length, "0");
  }
  return s.padStart(width, " ");
}

/** Formats like the kernel's vsprintf; returns the full string (no truncation). */
export function vsprintf(fmt: string, args: readonly PrintfArg[]): string {
  if (!fmt.includes("%")) return fmt;
  let i = 0; // the next argument; past the end, arguments read as 0
  return fmt.replace(CONVERSION, (_m, flags: string, w?: string, p?: string, len?: string, conv?: string) => {
    if (conv === "%") return "%";
    const width = w === "*" ? Number(i < args.length ? args[i++] : 0) : w ? Number(w) : 0;
    const prec = p === "*" ? Number(i < args.length ? args[i++] : 0) : p !== undefined ? Number(p) : -1;
    const left = flags.includes("-");
    const zero = flags.includes("0") && !left;
    const bits: 32 | 64 = len === "l" || len === "ll" || len === "z" || len === "t" ? 64 : 32;
    const a = i < args.length ? (args[i++] as PrintfArg) : 0;
    let s: string;
    switch (conv) {
      case "s":
        s = String(a);
        if (prec >= 0) s = s.slice(0, prec);
        return pad(s, width, left, false);
      case "c":
        return pad(typeof a === "number" ? String.fromCharCode(a) : String(a).slice(0, 1), width, left, false);
      case "d":
      case "i": {
        // An int in range needs no 64-bit arithmetic (the common case: a CPU or an index).
        if (len === undefined && typeof a === "number" && (a | 0) === a && flags === "")
          return pad(String(a), width, false, false);
        let v = toSigned(typeof a === "string" ? 0 : a, bits);
        if (len === "h") v = BigInt.asIntN(16, v);
        if (len === "hh") v = BigInt.asIntN(8, v);
        s = v.toString();
        if (flags.includes("+") && v >= 0n) s = `+${s}`;
        else if (flags.includes(" ") && v >= 0n) s = ` ${s}`;
        return pad(s, width, left, zero);
      }
      case "p":
        s = toUnsigned(typeof a === "string" ? 0 : a, 64)
          .toString(16)
          .padStart(16, "0");
        return pad(s, width, left, false);
      default: {
        let v = toUnsigned(typeof a === "string" ? 0 : a, bits);
        if (len === "h") v = BigInt.asUintN(16, v);
        if (len === "hh") v = BigInt.asUintN(8, v);
        const radix = conv === "o" ? 8 : conv === "u" ? 10 : 16;
        s = v.toString(radix);
        if (conv === "X") s = s.toUpperCase();
        if (flags.includes("#") && v !== 0n && radix !== 10) s = (radix === 8 ? "0" : conv === "X" ? "0X" : "0x") + s;
        return pad(s, width, left, zero);
      }
    }
  });
}

/**
 * vsnprintf into a buffer of `size` bytes: at most size-1 characters are kept (the
 * kernel always NUL-terminates). Returns the kept text and the length the whole
 * formatted string would have had, as the C function's return value does.
 */
export function vsnprintf(size: number, fmt: string, args: readonly PrintfArg[]): { text: string; len: number } {
  const full = vsprintf(fmt, args);
  return { text: size > 0 ? full.slice(0, size - 1) : "", len: full.length };
}
