import fc from 'fast-check';
import type { JsonSchema } from './openapi-model.js';

/** Values that break schemas at their edges: wrong types, boundaries, huge and odd numbers, odd text. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    -0,
    1.5,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    '1',
    '1e3',
    'null',
    '0x10',
    "' OR 1=1 --",
    '../../etc/passwd',
    '\u0000',
    '\ud800',
    '💥🎫',
    'Ｔｏｋｅｎ',
    null,
    true,
    false,
    [],
    {},
    [1],
    { $gt: 0 },
    { __proto__: { polluted: true } },
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ minLength: 256, maxLength: 5000 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A value that fits the schema (pools keyed by property name give values the app knows). */
export function validValue(schema: JsonSchema, hint?: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  if (hint) return hint;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validValue(s)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -(2 ** 31), Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 2 ** 31, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (schema.format === 'uuid') return fc.uuid();
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 30, 300),
      });
    case 'array':
      return fc.array(validValue(schema.items ?? {}), { maxLength: 3 });
    case 'object':
      return validObject(schema, {});
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

export type Hints = Record<string, fc.Arbitrary<unknown>>;

export function validObject(schema: JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const record = Object.fromEntries(
    Object.entries(properties).map(([name, s]) => [name, validValue(s, hints[name])]),
  );
  const optional = Object.keys(properties).filter((name) => !required.has(name));
  return fc.record(record, { requiredKeys: [...required].filter((k) => k in properties) }).map((value) => {
    // fc.record leaves optional keys out at random, which is what we want; keep the shape explicit.
    for (const name of optional) if (value[name] === undefined) delete value[name];
    return value as Record<string, unknown>;
  });
}

/** Near-valid: one property replaced by a nasty value, dropped, or joined by an extra one. */
export function nearValidObject(schema: JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(schema.properties ?? {});
  const mutation = fc.oneof(
    ...(names.length
      ? [
          fc.record({
            kind: fc.constant('replace' as const),
            name: fc.constantFrom(...names),
            value: nastyValue,
          }),
          fc.record({ kind: fc.constant('drop' as const), name: fc.constantFrom(...names) }),
          fc.record({
            kind: fc.constant('boundary' as const),
            name: fc.constantFrom(...names),
            offset: fc.constantFrom(-1, 0, 1),
            end: fc.constantFrom('minimum', 'maximum', 'minLength', 'maxLength'),
          }),
        ]
      : []),
    fc.record({ kind: fc.constant('extra' as const), name: fc.string({ maxLength: 12 }), value: nastyValue }),
  );
  return fc.tuple(validObject(schema, hints), mutation).map(([value, m]) => {
    const copy: Record<string, unknown> = { ...value };
    if (m.kind === 'replace' || m.kind === 'extra') copy[m.name] = m.value;
    else if (m.kind === 'drop') delete copy[m.name];
    else {
      const s = schema.properties?.[m.name] ?? {};
      const bound = s[m.end as keyof JsonSchema];
      if (typeof bound === 'number') {
        copy[m.name] = m.end.endsWith('Length')
          ? 'x'.repeat(Math.max(0, bound + m.offset))
          : bound + m.offset;
      }
    }
    return copy;
  });
}
