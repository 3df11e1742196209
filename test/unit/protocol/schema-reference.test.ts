/**
 * Proves our schemas say what Kafka's message definitions say: for each schema, the reference
 * JSON in ../shared/kafka-messages (resolved from the working directory) must have the same API
 * key, valid and flexible versions, and fields in the same order with the same names, types,
 * versions, nullable versions, tags and per-field flexible overrides. Version ranges are compared
 * after intersecting with the parent's, as our format inherits them. Skips if the folder is absent,
 * and skips Pado's private APIs (keys ≥ privateApiKeyMin, e.g. RaftMessage), which Kafka does not define.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  intersect, parseVersions, versionMax, type FieldSchema, type VersionRange,
} from '../../../src/protocol/schemas/index.js';
import { schemas } from './support.js';

/** Pado's own APIs start here (schemas/raft-message.ts); Kafka's keys stay far below it. */
const privateApiKeyMin = 1000;
const refDir = resolve(process.cwd(), '..', 'shared', 'kafka-messages');

interface RefField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  /** Kafka writes it as a number or a string ("tag": "0"). */
  tag?: number | string;
  taggedVersions?: string;
  flexibleVersions?: string;
  fields?: RefField[];
}

function loadRef(name: string): { apiKey?: number; validVersions: string; flexibleVersions: string;
  fields: RefField[]; commonStructs?: RefField[] } {
  const text = readFileSync(resolve(refDir, `${name}.json`), 'utf8');
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as ReturnType<typeof loadRef>;
}

const show = (r: VersionRange | null): string =>
  r === null || r.min > r.max ? 'none' : `${r.min}${r.max === versionMax ? '+' : `-${r.max}`}`;

function compareFields(ours: readonly FieldSchema[], refs: readonly RefField[], parent: VersionRange,
  path: string, common: readonly RefField[] = []): string[] {
  const out: string[] = [];
  const names = (a: readonly { name: string }[]): string =>
    a.map((f) => f.name.charAt(0).toLowerCase() + f.name.slice(1)).join(',');
  if (names(ours) !== names(refs)) return [`${path}: fields [${names(ours)}] vs [${names(refs)}]`];
  ours.forEach((f, i) => {
    const ref = refs[i] as RefField;
    const p = `${path}.${f.name}`;
    const versions = intersect(parent, parseVersions(ref.versions));
    const nullable = ref.nullableVersions === undefined ? null
      : intersect(versions, parseVersions(ref.nullableVersions));
    if (f.type !== ref.type) out.push(`${p}: type ${f.type} vs ${ref.type}`);
    if (show(f.versions) !== show(versions)) out.push(`${p}: versions ${show(f.versions)} vs ${show(versions)}`);
    if (show(f.nullable) !== show(nullable)) out.push(`${p}: nullable ${show(f.nullable)} vs ${show(nullable)}`);
    const tag = ref.tag === undefined ? null : Number(ref.tag);
    if (f.tag !== tag) out.push(`${p}: tag ${f.tag} vs ${ref.tag}`);
    if (ref.taggedVersions !== undefined
      && show(intersect(versions, parseVersions(ref.taggedVersions))) !== show(f.versions)) {
      out.push(`${p}: taggedVersions differ from versions (unsupported)`);
    }
    if (f.neverCompact !== (ref.flexibleVersions === 'none')) out.push(`${p}: flexibleVersions`);
    // A field typed by one of Kafka's commonStructs has no children of its own: look them up.
    const shared = common.find((c) => `[]${c.name}` === ref.type || c.name === ref.type);
    out.push(...compareFields(f.fields, ref.fields ?? shared?.fields ?? [], versions, p, common));
  });
  return out;
}

for (const s of schemas) {
  test(`${s.name} matches the reference message definitions`, (t) => {
    if (!existsSync(refDir)) {
      t.skip(`${refDir} absent`);
      return;
    }
    if (s.key >= privateApiKeyMin) {
      t.skip(`${s.name} is a Pado API (key ${s.key}): no Kafka reference`);
      return;
    }
    const sides: [string, readonly FieldSchema[]][] = s.kind === 'header'
      ? [[s.name, s.request]] : [[`${s.name}Request`, s.request], [`${s.name}Response`, s.response]];
    for (const [file, fields] of sides) {
      const ref = loadRef(file);
      if (s.kind === 'api') assert.equal(ref.apiKey, s.key, `${file} api key`);
      assert.equal(show(s.versions), show(parseVersions(ref.validVersions)), `${file} versions`);
      const flex = parseVersions(ref.flexibleVersions);
      assert.equal(s.flexibleFrom, flex.min > flex.max ? versionMax + 1 : flex.min, `${file} flexible`);
      assert.deepEqual(compareFields(fields, ref.fields, s.versions, file, ref.commonStructs), []);
    }
  });
}
