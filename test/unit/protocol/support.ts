/**
 * Shared by the protocol tests: random messages drawn from a schema by a seeded Prng, and a
 * comparison that looks only at the fields a version carries.
 */
import { Prng } from '../../../src/common/index.js';
import {
  decodeRequestHeaderV, decodeResponseHeaderV, encodeRequestHeaderV, encodeResponseHeaderV,
  sizeRequestHeaderV, sizeResponseHeaderV, apiTable, Reader, Writer, type SizeTally,
} from '../../../src/protocol/index.js';
import {
  parseSchema, schemaSources, type FieldSchema, type MessageSchema, type VersionRange,
} from '../../../src/protocol/schemas/index.js';

export const schemas: readonly MessageSchema[] = schemaSources.map((s) => parseSchema(s.text));

export interface Codec {
  decode(r: Reader, v: number): unknown;
  encode(w: Writer, v: number, m: unknown): void;
  size(v: number, m: unknown, t?: SizeTally): number;
}

/** One message kind to exercise: an API side or a header. */
export interface Case {
  readonly label: string;
  readonly schema: MessageSchema;
  readonly fields: readonly FieldSchema[];
  readonly codec: Codec;
}

export function cases(): Case[] {
  const out: Case[] = [];
  for (const s of schemas) {
    if (s.name === 'RequestHeader') {
      out.push({ label: s.name, schema: s, fields: s.request, codec: {
        decode: decodeRequestHeaderV, encode: encodeRequestHeaderV as Codec['encode'],
        size: sizeRequestHeaderV as Codec['size'] } });
    } else if (s.name === 'ResponseHeader') {
      out.push({ label: s.name, schema: s, fields: s.request, codec: {
        decode: decodeResponseHeaderV, encode: encodeResponseHeaderV as Codec['encode'],
        size: sizeResponseHeaderV as Codec['size'] } });
    } else {
      const api = apiTable.get(s.key);
      if (api === undefined) throw new Error(`no apiTable entry for ${s.name}`);
      out.push({ label: `${s.name}Request`, schema: s, fields: s.request, codec: {
        decode: (r, v) => api.decodeRequest(r, v), encode: (w, v, m) => api.encodeRequest(w, v, m),
        size: (v, m, t) => api.sizeRequest(v, m, t) } });
      out.push({ label: `${s.name}Response`, schema: s, fields: s.response, codec: {
        decode: (r, v) => api.decodeResponse(r, v), encode: (w, v, m) => api.encodeResponse(w, v, m),
        size: (v, m, t) => api.sizeResponse(v, m, t) } });
    }
  }
  return out;
}

export function versions(s: MessageSchema): number[] {
  const out: number[] = [];
  for (let v = s.versions.min; v <= s.versions.max; v++) out.push(v);
  return out;
}

const within = (r: VersionRange | null, v: number): boolean => r !== null && v >= r.min && v <= r.max;

export function randomMessage(p: Prng, fields: readonly FieldSchema[], v: number,
  depth = 0): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const f of fields) m[f.name] = randomField(p, f, v, depth);
  return m;
}

function randomField(p: Prng, f: FieldSchema, v: number, depth: number): unknown {
  const nullable = within(f.nullable, v) || f.primitive === 'records';
  if (nullable && p.chance(0.2)) return null;
  if (f.isArray) {
    const n = depth > 2 ? p.below(2) : p.below(4);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) {
      a.push(f.structName !== null ? randomMessage(p, f.fields, v, depth + 1) : randomValue(p, f));
    }
    return a;
  }
  if (f.structName !== null) return randomMessage(p, f.fields, v, depth + 1);
  return randomValue(p, f);
}

function randomValue(p: Prng, f: FieldSchema): unknown {
  switch (f.primitive) {
    case 'int8': return p.between(-128, 127);
    case 'int16': return p.between(-32768, 32767);
    case 'uint16': return p.between(0, 65535);
    case 'int32': return p.u32() | 0;
    case 'int64': return (p.u32() % 0x20_0000) * 0x1_0000_0000 * (p.chance(0.5) ? 1 : -1) + p.u32();
    case 'float64': return (p.float() - 0.5) * 1e6;
    case 'bool': return p.chance(0.5);
    case 'string': return randomString(p);
    case 'uuid': return p.fill(Buffer.alloc(16)).toString('base64url');
    case 'bytes': return p.fill(Buffer.alloc(p.below(20)));
    // Sometimes above Writer.zeroCopyBytesMin, to exercise the gather list.
    case 'records': return p.fill(Buffer.alloc(p.chance(0.3) ? 1024 + p.below(2000) : p.below(64)));
    default: throw new Error(`no random value for ${f.type}`);
  }
}

const alphabet = ['a', 'b', 'Z', '-', '.', '_', '0', 'é', '日', '😀'];

function randomString(p: Prng): string {
  let s = '';
  const n = p.below(12);
  for (let i = 0; i < n; i++) s += p.pick(alphabet);
  return s;
}

/** Encodes with the zero-copy tally and joins the chunks into one frame body. */
export function encode(c: Case, v: number, m: unknown): { bytes: Buffer; chunks: number } {
  const tally: SizeTally = { external: 0 };
  const size = c.codec.size(v, m, tally);
  const w = new Writer(size, tally);
  c.codec.encode(w, v, m);
  const chunks = w.finish();
  const bytes = Buffer.concat(chunks);
  if (bytes.length !== size) throw new Error(`sized ${size}, wrote ${bytes.length}`);
  return { bytes, chunks: chunks.length };
}

/** Differences between the fields a version carries (path list; empty when equal). */
export function diffPresent(fields: readonly FieldSchema[], v: number, a: unknown, b: unknown,
  path = ''): string[] {
  const out: string[] = [];
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const f of fields) {
    if (!within(f.versions, v)) continue;
    const p = `${path}.${f.name}`;
    const va = x[f.name];
    const vb = y[f.name];
    if (f.structName === null) {
      if (!sameValue(va, vb)) out.push(`${p}: ${String(va)} != ${String(vb)}`);
    } else if (f.isArray) {
      if (va === null || vb === null) {
        if (va !== vb) out.push(`${p}: null mismatch`);
        continue;
      }
      const aa = va as unknown[];
      const bb = vb as unknown[];
      if (aa.length !== bb.length) out.push(`${p}: length ${aa.length} != ${bb.length}`);
      else aa.forEach((e, i) => out.push(...diffPresent(f.fields, v, e, bb[i], `${p}[${i}]`)));
    } else out.push(...diffPresent(f.fields, v, va, vb, p));
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((e, i) => sameValue(e, b[i]));
  }
  return a === b;
}
