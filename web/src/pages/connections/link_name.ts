// The link name a new connection gets when none is given: the server's rule
// (src/connections/connections.cc, LinkNameFrom and Connections::Create), repeated here so the
// form shows the name before the connection exists. The browser test creates connections and
// compares this preview with what the server answered.

const kMaxLinkName = 50;

// Lowercase ASCII letters and digits kept, every other run of characters (spaces,
// punctuation, and any non-ASCII byte) one "_" between words; "c_" first unless it starts with a
// letter; at most 50 characters, no "_" at the end. "Zoho Books (prod)" -> "zoho_books_prod".
export function linkNameFrom(displayName: string): string {
  let out = '';
  let gap = false;
  // The server walks UTF-8 bytes and lowercases ASCII only: a non-ASCII character is a gap
  // however many bytes it has (so no String.toLowerCase, which maps "K" (Kelvin) to "k").
  for (const ch of displayName) {
    const lower = ch >= 'A' && ch <= 'Z' ? String.fromCharCode(ch.charCodeAt(0) + 32) : ch;
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) {
      if (gap && out) out += '_';
      out += lower;
      gap = false;
    } else {
      gap = true;
    }
  }
  if (!out || !(out[0]! >= 'a' && out[0]! <= 'z')) out = `c_${out}`;
  return out.slice(0, kMaxLinkName).replace(/_+$/, '');
}

// What the server makes of `base` when it is taken in this environment: base, base_2, base_3 ...
// (the first 47 characters of base before the number).
export function firstFreeLinkName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; n < 100; n++) {
    const candidate = `${base.slice(0, 47)}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  return base;  // the server refuses it ("too many connections named like ..."), in words
}
