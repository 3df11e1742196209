/**
 * Our terse schema format for Kafka messages (STYLE.md §4), parsed for the generator and tests only —
 * never at run time by the broker.
 *
 *   api <Name> key <n> versions <a-b> flexible <a+|none>      (or: header <Name> versions … flexible …)
 *   request | response | fields                              (section; headers use `fields`)
 *     <field> <type> [v<a+|a-b>] [nullable [v<a+|a-b>]] [tag <n>] [flexible none] [default <value>]
 *       <child fields of a struct or []struct, two more spaces>
 *
 * Types: int8 int16 int32 int64 uint16 float64 bool string bytes records uuid, `[]<primitive>`,
 * `[]<Struct>` and `<Struct>` (children follow). Versions default to `v0+`; a child's versions are
 * intersected with its parent's. `nullable` alone means nullable in all of the field's versions.
 * `default` is only written when it differs from the type's zero (0, false, '', null if nullable).
 */
import { assert } from '../../common/index.js';

export const versionMax = 0x7fff;

export interface VersionRange {
  readonly min: number;
  /** Inclusive; `versionMax` for an open range (`3+`). min > max means "never". */
  readonly max: number;
}

export const primitiveTypes = [
  'int8', 'int16', 'int32', 'int64', 'uint16', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid',
] as const;
export type PrimitiveType = (typeof primitiveTypes)[number];

export interface FieldSchema {
  /** Field name as generated (Kafka's name with the first letter lower-cased). */
  readonly name: string;
  /** As written: `int32`, `[]int32`, `[]TopicProduceData`, `LeaderIdAndEpoch`. */
  readonly type: string;
  readonly isArray: boolean;
  /** The primitive element type, or null for a struct (array element or plain). */
  readonly primitive: PrimitiveType | null;
  /** Struct type name for struct and []struct fields, else null. */
  readonly structName: string | null;
  /** Effective versions: own range intersected with the parent's. */
  readonly versions: VersionRange;
  /** Effective nullable versions, or null when never nullable. */
  readonly nullable: VersionRange | null;
  readonly tag: number | null;
  /** `flexible none`: encoded in the classic form even in flexible versions (RequestHeader.clientId). */
  readonly neverCompact: boolean;
  /** Declared default as written, or null for the type's zero value. */
  readonly defaultValue: string | null;
  readonly fields: readonly FieldSchema[];
}

export interface MessageSchema {
  readonly kind: 'api' | 'header';
  readonly name: string;
  /** Kafka API key; -1 for headers. */
  readonly key: number;
  readonly versions: VersionRange;
  /** First flexible version, or versionMax + 1 when never flexible. */
  readonly flexibleFrom: number;
  /** Request fields (headers: the header's fields). */
  readonly request: readonly FieldSchema[];
  readonly response: readonly FieldSchema[];
}

interface Line {
  readonly indent: number;
  readonly words: readonly string[];
  readonly lineNo: number;
}

export function parseVersions(text: string): VersionRange {
  if (text === 'none') return { min: 1, max: 0 };
  const open = /^(\d+)\+$/.exec(text);
  if (open) return { min: Number(open[1]), max: versionMax };
  const closed = /^(\d+)(?:-(\d+))?$/.exec(text);
  assert(closed !== null, `bad version range '${text}'`);
  const min = Number(closed[1]);
  return { min, max: closed[2] === undefined ? min : Number(closed[2]) };
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

export function parseSchema(text: string): MessageSchema {
  const lines = toLines(text);
  const head = lines[0];
  assert(head !== undefined, 'empty schema');
  const w = head.words;
  const kind = w[0] === 'header' ? 'header' : 'api';
  const keyed = kind === 'api';
  assert(keyed ? w[2] === 'key' : true, `line ${head.lineNo}: expected 'key'`);
  const at = keyed ? 4 : 2;
  const versions = parseVersions(word(w, at + 1, head));
  const flexible = parseVersions(word(w, at + 3, head));
  const sections = splitSections(lines.slice(1));
  const parse = (name: string): FieldSchema[] =>
    parseFields(sections.get(name) ?? [], 2, versions);
  return {
    kind,
    name: word(w, 1, head),
    key: keyed ? Number(word(w, 3, head)) : -1,
    versions,
    flexibleFrom: flexible.min > flexible.max ? versionMax + 1 : flexible.min,
    request: parse(keyed ? 'request' : 'fields'),
    response: keyed ? parse('response') : [],
  };
}

function word(words: readonly string[], i: number, line: Line): string {
  const w = words[i];
  assert(w !== undefined, `line ${line.lineNo}: missing word ${i}`);
  return w;
}

function toLines(text: string): Line[] {
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const body = raw.replace(/#.*$/, '').trimEnd();
    if (body.trim() === '') return;
    const indent = body.length - body.trimStart().length;
    out.push({ indent, words: body.trim().split(/\s+/), lineNo: i + 1 });
  });
  return out;
}

function splitSections(lines: readonly Line[]): Map<string, Line[]> {
  const sections = new Map<string, Line[]>();
  let current: Line[] | null = null;
  for (const line of lines) {
    if (line.indent === 0) {
      current = [];
      sections.set(word(line.words, 0, line), current);
    } else {
      assert(current !== null, `line ${line.lineNo}: field outside a section`);
      current.push(line);
    }
  }
  return sections;
}

/** Parses the run of lines at `indent` (children are the deeper lines that follow each). */
function parseFields(lines: readonly Line[], indent: number, parent: VersionRange): FieldSchema[] {
  const fields: FieldSchema[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as Line;
    assert(line.indent === indent, `line ${line.lineNo}: indent ${line.indent}, expected ${indent}`);
    let end = i + 1;
    while (end < lines.length && (lines[end] as Line).indent > indent) end++;
    fields.push(parseField(line, lines.slice(i + 1, end), indent, parent));
    i = end;
  }
  return fields;
}

function parseField(line: Line, children: readonly Line[], indent: number,
  parent: VersionRange): FieldSchema {
  const [name, type, ...opts] = line.words;
  assert(name !== undefined && type !== undefined, `line ${line.lineNo}: need name and type`);
  const o = parseOptions(opts, line);
  const versions = intersect(parent, o.versions);
  const isArray = type.startsWith('[]');
  const element = isArray ? type.slice(2) : type;
  const primitive = (primitiveTypes as readonly string[]).includes(element)
    ? (element as PrimitiveType) : null;
  const fields = parseFields(children, indent + 2, versions);
  assert(primitive === null || fields.length === 0, `line ${line.lineNo}: ${type} has children`);
  assert(primitive !== null || fields.length > 0, `line ${line.lineNo}: struct ${type} is empty`);
  return {
    name, type, isArray, primitive,
    structName: primitive === null ? element : null,
    versions,
    nullable: o.nullable === null ? null : intersect(versions, o.nullable ?? versions),
    tag: o.tag,
    neverCompact: o.neverCompact,
    defaultValue: o.defaultValue,
    fields,
  };
}

interface Options {
  versions: VersionRange;
  /** undefined: `nullable` alone (all the field's versions); null: not nullable. */
  nullable: VersionRange | null | undefined;
  tag: number | null;
  neverCompact: boolean;
  defaultValue: string | null;
}

function parseOptions(opts: readonly string[], line: Line): Options {
  const o: Options = {
    versions: { min: 0, max: versionMax }, nullable: null, tag: null, neverCompact: false,
    defaultValue: null,
  };
  for (let i = 0; i < opts.length; i++) {
    const opt = opts[i] as string;
    const next = opts[i + 1];
    if (opt.startsWith('v')) o.versions = parseVersions(opt.slice(1));
    else if (opt === 'nullable') {
      const explicit = next?.startsWith('v') === true;
      o.nullable = explicit ? parseVersions((next as string).slice(1)) : undefined;
      if (explicit) i++;
    } else if (opt === 'tag') { o.tag = Number(word(opts, ++i, line)); }
    else if (opt === 'flexible' && next === 'none') { o.neverCompact = true; i++; }
    else if (opt === 'default') {
      const v = word(opts, ++i, line);
      o.defaultValue = v === '""' ? '' : v;
    } else assert(false, `line ${line.lineNo}: unknown option '${opt}'`);
  }
  return o;
}
