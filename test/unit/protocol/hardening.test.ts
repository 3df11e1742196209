/**
 * Proves decoders survive hostile input: for every (API, version, side) a seeded random message is
 * encoded, then truncated at random points (must fail the Reader) and bit-flipped (must not throw;
 * may decode or fail). Hand-made frames claiming huge lengths must fail without allocating them.
 * Every decode runs on a bounded input, so a hang would show as a test timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import { decodeFetchRequest, decodeRequestHeader, Reader } from '../../../src/protocol/index.js';
import { cases, encode, randomMessage, versions } from './support.js';

const mutationsPerVersion = 8;

for (const c of cases()) {
  test(`${c.label} decoders fail cleanly on truncated and flipped frames`, () => {
    const p = new Prng(0xbad ^ c.schema.key);
    for (const v of versions(c.schema)) {
      const { bytes } = encode(c, v, randomMessage(p, c.fields, v));
      for (let i = 0; i < mutationsPerVersion && bytes.length > 0; i++) {
        const cut = p.below(bytes.length);
        const r = new Reader(bytes.subarray(0, cut));
        c.codec.decode(r, v);
        r.expectEnd();
        assert.equal(r.failed, true, `${c.label} v${v} cut at ${cut} of ${bytes.length} not detected`);
        const flipped = Buffer.from(bytes);
        const at = p.below(flipped.length);
        flipped[at] = (flipped[at] as number) ^ (1 << p.below(8));
        const rf = new Reader(flipped);
        c.codec.decode(rf, v);
        assert.ok(rf.offset <= flipped.length);
      }
    }
  });
}

test('a huge claimed array length fails before any allocation', () => {
  // Fetch v4 request: replicaId, maxWaitMs, minBytes, maxBytes, isolationLevel, then topics count.
  const frame = Buffer.alloc(4 * 4 + 1 + 4);
  frame.writeInt32BE(0x7fff_ffff, 17);
  const r = new Reader(frame);
  const msg = decodeFetchRequest(r, 4);
  assert.equal(r.failed, true);
  assert.match(r.error ?? '', /beyond/);
  assert.deepEqual(msg.topics, []);
});

test('a huge compact length and an overlong varint fail', () => {
  const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
  r.nullableBytes(true);
  assert.equal(r.failed, true);
  const r2 = new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
  assert.equal(r2.uvarint(), 0);
  assert.equal(r2.failed, true);
});

test('a request header shorter than its fixed part fails', () => {
  const r = new Reader(Buffer.from([0, 3]));
  decodeRequestHeader(r);
  assert.equal(r.failed, true);
});
