import { describe, expect, it } from 'vitest';
import { createTokenSigner } from '../../../src/modules/queue/queue-token.js';

describe('queue tokens', () => {
  const signer = createTokenSigner('a-secret-of-at-least-16');

  it('verifies its own tokens and nothing else', () => {
    const token = signer.sign({ userId: 7, tokenId: signer.newTokenId() });
    expect(signer.verify(token)).toMatchObject({ userId: 7 });
    expect(createTokenSigner('another-secret-123456').verify(token)).toBeNull();
    expect(signer.verify(token.replace(/^7\./, '8.'))).toBeNull();
    expect(signer.verify('')).toBeNull();
    expect(signer.verify('7.short.sig')).toBeNull();
  });

  it('rejects every other spelling of the signature, including its spare bits', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < 20; i++) {
      const token = signer.sign({ userId: 1, tokenId: signer.newTokenId() });
      for (const c of alphabet) {
        if (c === token.at(-1)) continue;
        expect(signer.verify(`${token.slice(0, -1)}${c}`)).toBeNull();
      }
    }
  });
});
