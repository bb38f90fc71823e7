import fc from 'fast-check';

/** A JSON Schema as /openapi.json and /api/v1/catalogue give it (zod's output). */
export type JsonSchema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

const HAN = [...'公开住房分配结果海淀区朝阳土地出让矿业权采购招标投标黑名单摇号轮候'];

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** Odd but printable strings that have broken parsers and queries elsewhere. */
export const oddStrings = fc.constantFrom(
  '',
  ' ',
  '../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '\u0000',
  '$where',
  '{"$ne":null}',
  'a.b',
  '__proto__',
  'constructor',
  '公开🙂\u202e',
  '\ud800',
  'null',
  '-1',
  '1e309',
  '0x1f',
  '9'.repeat(400),
  '<script>alert(1)</script>',
  "'; drop table x; --",
);

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 40;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  if (schema.format === 'date' || schema.pattern === '^\\d{4}-\\d{2}-\\d{2}$') {
    // Real dates, mostly: a regex alone would give 2026-47-93 and never get past validation.
    const real = fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2040-01-01') }).map((d) => d.toISOString().slice(0, 10));
    return fc.oneof({ weight: 9, arbitrary: real }, fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/));
  }
  if (typeof schema.pattern === 'string') {
    try {
      const matching = fc.stringMatching(new RegExp(schema.pattern));
      return typeof schema.maxLength === 'number' ? matching.map((s) => s.slice(0, max)) : matching;
    } catch {
      // A pattern fast-check cannot generate from: fall through to plain strings.
    }
  }
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  const bounded = { minLength: Math.min(min, 40), maxLength: Math.max(Math.min(max, 40), Math.min(min, 40)) };
  return fc.oneof(fc.string(bounded), fc.string({ ...bounded, unit: fc.constantFrom(...HAN) }));
}

/** Values shaped like the schema (often valid), bounded in size and depth. */
export function valueFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 5) return leaf;
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => valueFor(s, depth + 1)));
  if (schema.allOf?.length) return valueFor(schema.allOf[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min, 0) + 100_000;
      if (typeof schema.multipleOf === 'number') {
        const step = schema.multipleOf;
        return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => Number((k * step).toFixed(10)));
      }
      return type === 'integer' ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = Math.min(typeof schema.minItems === 'number' ? schema.minItems : 0, 3);
      const maxLength = Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3));
      return fc.array(valueFor(schema.items, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectFor(schema, depth);
    default:
      return schema.properties ? objectFor(schema, depth) : leaf;
  }
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const known = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, valueFor(s, depth + 1)])),
    { requiredKeys: (schema.required ?? []).filter((key) => key in properties) },
  );
  if (typeof schema.additionalProperties !== 'object') return known;
  const extra = fc.dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,11}$/), valueFor(schema.additionalProperties, depth + 1), { maxKeys: 3 });
  return fc.tuple(known, extra).map(([k, e]) => ({ ...e, ...k }));
}

/** Nested `depth` levels deep, as objects or arrays. */
export function nested(depth: number, asArray: boolean): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { n: value };
  return value;
}

export type Mutation =
  | { kind: 'none' }
  | { kind: 'drop'; pick: number }
  | { kind: 'extra'; pick: number; key: string; value: unknown }
  | { kind: 'retype'; pick: number; value: unknown }
  | { kind: 'huge'; pick: number; bytes: number }
  | { kind: 'deep'; pick: number; depth: number; asArray: boolean }
  | { kind: 'replace'; value: unknown };

/** What to do to a well-shaped value: nothing, or one kind of damage at a random place. */
export function mutation(limitBytes: number): fc.Arbitrary<Mutation> {
  const pick = fc.nat();
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('extra' as const),
        pick,
        key: fc.oneof(fc.constantFrom('$where', '$ne', '$set', 'a.b', '.', '__proto__', 'constructor', 'extra', '公开', '\u0000x', ''), fc.string({ maxLength: 8 })),
        value: fc.oneof(leaf, fc.constant({ $gt: '' })),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('retype' as const), pick, value: fc.oneof(leaf, fc.constantFrom([], {}, [[]], { $ne: null }), oddStrings) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), pick, bytes: fc.constantFrom(3_000, 20_000, limitBytes - 300, limitBytes + 10, limitBytes * 3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), pick, depth: fc.constantFrom(19, 21, 64, 2_000), asArray: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), value: fc.constantFrom(null, [], 'text', 0, true, [{}], nested(30, true)) }) },
  );
}

/** Applies a mutation to a copy of `value`, at an object or array chosen by `pick`. */
export function applyMutation(value: unknown, m: Mutation): unknown {
  if (m.kind === 'none') return value;
  if (m.kind === 'replace') return m.value;
  const copy = structuredClone(value) ?? {};
  const containers = containersOf(copy);
  if (!containers.length) return m.kind === 'huge' ? 'x'.repeat(m.bytes) : copy;
  const target = containers[m.pick % containers.length]!;
  const keys = Object.keys(target);
  const key = keys.length ? keys[m.pick % keys.length]! : '0';
  const set = (k: string, v: unknown) => Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
  switch (m.kind) {
    case 'drop':
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
      break;
    case 'extra':
      if (Array.isArray(target)) target.push({ [m.key]: m.value });
      else set(m.key, m.value);
      break;
    case 'retype':
      set(key, m.value);
      break;
    case 'huge':
      set(key, '公'.repeat(Math.ceil(m.bytes / 3)));
      break;
    case 'deep':
      set(key, nested(m.depth, m.asArray));
      break;
  }
  return copy;
}

function containersOf(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (value && typeof value === 'object') {
    found.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) containersOf(child, found);
  }
  return found;
}
