import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN_CODES, problemSentence } from '../../web/shared/errors.js';

/** Every `code` the README documents (its error tables: "| `CODE` | 409 | …"). */
function documentedCodes(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const codes = new Set<string>();
  for (const row of readme.matchAll(/^\| (`[A-Z][A-Z_]+`(?: \/ `[A-Z][A-Z_]+`)*) +\| \d{3}/gm)) {
    for (const code of row[1]!.matchAll(/`([A-Z_]+)`/g)) codes.add(code[1]!);
  }
  return [...codes];
}

describe('the pages speak every documented error', () => {
  it('has an English and a Korean sentence for each code in the README', () => {
    const codes = documentedCodes();
    expect(codes.length).toBeGreaterThan(40);
    expect(codes.filter((code) => !KNOWN_CODES.includes(code))).toEqual([]);
    for (const code of codes) {
      expect(problemSentence(code, 400, 'en')).toMatch(/^[A-Z].*\.$/);
      expect(problemSentence(code, 400, 'ko')).toMatch(/[가-힣]/);
    }
  });
});
