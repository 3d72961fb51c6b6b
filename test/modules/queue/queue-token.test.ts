import { describe, expect, it } from 'vitest';
import { createTokenSigner, type TokenClaims } from '../../../src/modules/queue/queue-token.js';

// The token's format changed with "the token carries the place": it signs the room, the
// arrival seq, the issue time and, once admitted, the admission expiry.
describe('queue tokens', () => {
  const signer = createTokenSigner('a-secret-of-at-least-16');
  const waiting: TokenClaims = {
    userId: 7,
    room: 'main',
    seq: 1_795_000_000_000_123,
    issuedAt: 1_795_000_000_000,
  };

  it('round-trips every claim, large seqs included', () => {
    expect(signer.verify(signer.sign(waiting))).toEqual(waiting);
    const active = { ...waiting, room: 'concert-42', activeUntil: 1_795_000_600_000 };
    expect(signer.verify(signer.sign(active))).toEqual(active);
    expect(signer.sign(waiting)).toMatch(/^7\.main\./);
  });

  it('verifies its own tokens and nothing else', () => {
    const token = signer.sign(waiting);
    expect(createTokenSigner('another-secret-123456').verify(token)).toBeNull();
    expect(signer.verify(token.replace(/^7\./, '8.'))).toBeNull();
    expect(signer.verify(token.replace('.main.', '.other.'))).toBeNull();
    // Turning a waiting token into an admitted one is a forgery like any other.
    expect(signer.verify(token.replace('.w.', '.zzzzzzzz.'))).toBeNull();
    expect(signer.verify('')).toBeNull();
    expect(signer.verify('7.short.sig')).toBeNull();
  });

  it('rejects every other spelling of the signature, including its spare bits', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < 20; i++) {
      const token = signer.sign({ ...waiting, seq: waiting.seq + i });
      for (const c of alphabet) {
        if (c === token.at(-1)) continue;
        expect(signer.verify(`${token.slice(0, -1)}${c}`)).toBeNull();
      }
    }
  });
});

describe('remembered tokens', () => {
  it('a token signed here verifies to what its text says, and forgeries still fail', () => {
    const signer = createTokenSigner('a-secret-of-at-least-16');
    const claims = { userId: 9, room: 'main', seq: 4_242, issuedAt: 1_795_000_000_000 };
    // Extra fields of the caller's are not part of the token: verify gives what the text states.
    const token = signer.sign({ ...claims, extra: 'ignored' } as TokenClaims);
    expect(signer.verify(token)).toEqual(claims);
    const active = signer.sign({ ...claims, activeUntil: 1_795_000_600_000 });
    expect(signer.verify(active)).toEqual({ ...claims, activeUntil: 1_795_000_600_000 });
    // A fresh signer (another process) reads the same claims from the same text.
    expect(createTokenSigner('a-secret-of-at-least-16').verify(token)).toEqual(signer.verify(token));
    expect(signer.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
  });

  it('forgets everything once full, and still verifies afterwards', () => {
    const signer = createTokenSigner('a-secret-of-at-least-16', 3);
    const tokens = Array.from({ length: 10 }, (_, i) =>
      signer.sign({ userId: i + 1, room: 'main', seq: i + 1, issuedAt: 1_795_000_000_000 }),
    );
    tokens.forEach((token, i) => {
      expect(signer.verify(token)).toMatchObject({ userId: i + 1, seq: i + 1 });
    });
  });
});
