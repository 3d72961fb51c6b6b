import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  readonly userId: number;
  readonly tokenId: string;
}

export interface TokenSigner {
  newTokenId(): string;
  sign(claims: TokenClaims): string;
  /** The claims of an authentic token; `null` for a malformed, forged or altered one. */
  verify(token: string): TokenClaims | null;
}

// <userId>.<tokenId: 16 random bytes>.<HMAC-SHA256 of the first two parts>, base64url.
const TOKEN_SHAPE = /^([1-9]\d{0,15})\.([\w-]{22})\.([\w-]{43})$/;

/**
 * Queue tokens are signed, so a forged or altered token is rejected without a
 * store lookup; the store only says whether an authentic token is still live.
 */
export function createTokenSigner(secret: string): TokenSigner {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest();
  return {
    newTokenId: () => randomBytes(16).toString('base64url'),
    sign: ({ userId, tokenId }) => {
      const payload = `${userId}.${tokenId}`;
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify: (token) => {
      const match = TOKEN_SHAPE.exec(token);
      if (!match) return null;
      const [, userId, tokenId, signature] = match as unknown as [string, string, string, string];
      // Compare the text, not decoded bytes: base64url's last character has spare bits, so
      // decoding would accept other spellings of the same signature.
      const expected = Buffer.from(mac(`${userId}.${tokenId}`).toString('base64url'));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { userId: Number(userId), tokenId };
    },
  };
}
