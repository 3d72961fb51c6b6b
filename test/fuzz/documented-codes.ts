import fs from 'node:fs';

/** The README's error table: code → the statuses it is documented with. */
export function documentedCodes(readmePath = 'README.md'): Map<string, number[]> {
  const text = fs.readFileSync(readmePath, 'utf8');
  const section = text.slice(text.indexOf('\n## Errors'));
  const codes = new Map<string, number[]>();
  for (const line of section.split('\n')) {
    const match = /^\| ((?:`[A-Z_]+`(?: \/ )?)+) \| (\d{3}) \|/.exec(line);
    if (!match) continue;
    for (const [, code] of match[1]!.matchAll(/`([A-Z_]+)`/g)) {
      codes.set(code!, [...(codes.get(code!) ?? []), Number(match[2])]);
    }
  }
  return codes;
}
