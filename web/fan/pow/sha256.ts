/**
 * SHA-256 for the proof-of-work search, synchronous and allocation-free per try (a Web
 * Worker cannot afford a WebCrypto promise per hash, and WebCrypto is missing on plain-HTTP
 * LAN addresses). The challenge's whole 64-byte blocks are hashed once (the "midstate");
 * each nonce then costs the compression of the last one or two blocks only.
 */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const INIT = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const W = new Uint32Array(64);

/** One compression of the 64 bytes at `block[offset..]` into `state`. */
function compress(state: Uint32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** Leading zero bits of a digest given as eight 32-bit words. */
export function zeroBits(state: Uint32Array): number {
  for (let i = 0; i < 8; i++) {
    const word = state[i]!;
    if (word !== 0) return i * 32 + Math.clz32(word);
  }
  return 256;
}

/**
 * Finds the first nonce from `start` (trying `count` of them) for which
 * SHA-256("<prefix><nonce>") has at least `bits` leading zero bits; -1 when none did.
 * The prefix is ASCII (a challenge and ":").
 */
export function search(prefix: string, bits: number, start: number, count: number): number {
  const head = new TextEncoder().encode(prefix);
  const whole = head.length - (head.length % 64);
  const mid = new Uint32Array(INIT);
  for (let offset = 0; offset < whole; offset += 64) compress(mid, head, offset);
  const tail = head.subarray(whole);
  const buffer = new Uint8Array(128);
  const state = new Uint32Array(8);
  for (let nonce = start; nonce < start + count; nonce++) {
    const digits = String(nonce);
    const length = tail.length + digits.length;
    buffer.fill(0);
    buffer.set(tail);
    for (let i = 0; i < digits.length; i++) buffer[tail.length + i] = digits.charCodeAt(i);
    buffer[length] = 0x80;
    const blocks = length + 9 > 64 ? 2 : 1;
    const bitLength = (head.length + digits.length) * 8;
    const end = blocks * 64;
    buffer[end - 4] = (bitLength >>> 24) & 0xff;
    buffer[end - 3] = (bitLength >>> 16) & 0xff;
    buffer[end - 2] = (bitLength >>> 8) & 0xff;
    buffer[end - 1] = bitLength & 0xff;
    state.set(mid);
    compress(state, buffer, 0);
    if (blocks === 2) compress(state, buffer, 64);
    if (zeroBits(state) >= bits) return nonce;
  }
  return -1;
}

/** The hex digest of an ASCII text (for tests of this implementation against node:crypto). */
export function sha256Hex(text: string): string {
  const state = new Uint32Array(INIT);
  const bytes = new TextEncoder().encode(text);
  const whole = bytes.length - (bytes.length % 64);
  for (let offset = 0; offset < whole; offset += 64) compress(state, bytes, offset);
  const rest = bytes.length - whole;
  const buffer = new Uint8Array(rest + 9 > 64 ? 128 : 64);
  buffer.set(bytes.subarray(whole));
  buffer[rest] = 0x80;
  const bitLength = bytes.length * 8;
  const end = buffer.length;
  buffer[end - 4] = (bitLength >>> 24) & 0xff;
  buffer[end - 3] = (bitLength >>> 16) & 0xff;
  buffer[end - 2] = (bitLength >>> 8) & 0xff;
  buffer[end - 1] = bitLength & 0xff;
  compress(state, buffer, 0);
  if (buffer.length === 128) compress(state, buffer, 64);
  return Array.from(state, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}
