import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a queue token proves: the token carries the place, so it survives a store loss. */
export interface TokenClaims {
  readonly userId: number;
  /** The waiting room (queue) the place is in. */
  readonly room: string;
  /** Arrival sequence in the room: the place in line. Unique per place, so (room, seq) names the token. */
  readonly seq: number;
  /** When the place was taken (ms). */
  readonly issuedAt: number;
  /** For a token issued to an admitted user: when the admission ends (ms). */
  readonly activeUntil?: number;
}

export interface TokenSigner {
  sign(claims: TokenClaims): string;
  /** The claims of an authentic token; `null` for a malformed, forged or altered one. */
  verify(token: string): TokenClaims | null;
}

/** The name of a token in revocation sets: one per place. */
export const placeKey = (room: string, seq: number) => `${room}:${seq}`;

// <userId>.<room>.<seq>.<issuedAt>.<activeUntil or "w">.<HMAC-SHA256 of the rest, base64url>;
// numbers in base 36. The user id leads, as before, so a token says whose it is at a glance.
const TOKEN_SHAPE =
  /^([1-9]\d{0,15})\.([\w-]{1,64})\.([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.(w|[0-9a-z]{1,11})\.([\w-]{43})$/;

/**
 * Queue tokens are signed (HMAC with the shared secret), so a forged or altered
 * token is rejected without a store lookup, and everything in it can be trusted.
 */
export function createTokenSigner(secret: string, rememberAtMost = 200_000): TokenSigner {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  // Waiters poll with the same token again and again: a token verified once is remembered
  // (keyed by its exact text, so nothing unverified ever gets in), sparing the HMAC. So is a
  // token signed here: its first check (often on the process that issued it) needs no HMAC either.
  const verified = new Map<string, TokenClaims>();
  const remember = (token: string, claims: TokenClaims) => {
    if (verified.size >= rememberAtMost) verified.clear();
    verified.set(token, claims);
  };
  /** The claims a token's text states, and its signature; null when it is not shaped like a token. */
  const read = (token: string): { claims: TokenClaims; signature: string } | null => {
    const match = TOKEN_SHAPE.exec(token);
    if (!match) return null;
    const [, userId, room, seq, issuedAt, until, signature] = match as unknown as string[];
    const claims = {
      userId: Number(userId),
      room: room!,
      seq: Number.parseInt(seq!, 36),
      issuedAt: Number.parseInt(issuedAt!, 36),
    };
    return {
      claims: until === 'w' ? claims : { ...claims, activeUntil: Number.parseInt(until!, 36) },
      signature: signature!,
    };
  };
  return {
    sign: ({ userId, room, seq, issuedAt, activeUntil }) => {
      const until = activeUntil === undefined ? 'w' : activeUntil.toString(36);
      const payload = `${userId}.${room}.${seq.toString(36)}.${issuedAt.toString(36)}.${until}`;
      const token = `${payload}.${mac(payload)}`;
      // Authentic by construction: remembered with the claims verify would read from its text.
      const signed = read(token);
      if (signed) remember(token, signed.claims);
      return token;
    },
    verify: (token) => {
      const known = verified.get(token);
      if (known) return known;
      const parsed = read(token);
      if (!parsed) return null;
      // Compare the text, not decoded bytes: base64url's last character has spare bits, so
      // decoding would accept other spellings of the same signature.
      const expected = Buffer.from(mac(token.slice(0, token.length - 44)));
      const given = Buffer.from(parsed.signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      remember(token, parsed.claims);
      return parsed.claims;
    },
  };
}
