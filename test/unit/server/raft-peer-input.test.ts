/**
 * Proves peer input is validated like client input (issue 13): RaftMessage bytes go through the
 * generated codec and the RaftMessage handler exactly as the listener runs them, with a fake
 * RaftService that records what reaches Raft. A batch is either refused by the codec (the
 * connection would close), refused by the handler with INVALID_REQUEST (nothing reaches Raft), or
 * handed over with every term, index and commit a non-negative integer below the peer bound and
 * its entries well-formed. Cases: terms 2^53−1, 2^53, 2^63−1, −2^63, −1 and the bound itself;
 * entries that do not follow the append's index, with a term above the message's, or a conf
 * change that does not decode; an unknown sender; every truncation and every single-bit flip of a
 * valid batch (none may throw out of the handler); and a flood of bad batches logs a bounded
 * number of warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  decodeRaftMessageRequest, encodeRaftMessageRequest, KafkaError, Reader,
  sizeRaftMessageRequest, Writer, type RaftMessageRequest, type RaftMessageResponse,
} from '../../../src/protocol/index.js';
import { encodeConfChange, type Message } from '../../../src/raft/index.js';
import {
  raftMessageHandler, raftMessagesToWire, type RequestContext,
} from '../../../src/server/index.js';

/** The bound peer numbers must stay below (server/raft-wire.ts explains it). */
const bound = 2 ** 47;
const self = 1;
const members = new Set([1, 2, 3]);

interface Harness {
  readonly received: Message[][];
  readonly warnings: string[];
  /** Runs bytes through the codec and the handler: 'codec' when the Reader refused them. */
  send(bytes: Buffer): number | 'codec';
}

function harness(): Harness {
  const received: Message[][] = [];
  const warnings: string[] = [];
  const service = {
    nodeId: self,
    receive(messages: readonly Message[]) {
      received.push([...messages]);
    },
    isPeer: (id: number) => members.has(id),
  };
  let clock = 0;
  const handler = raftMessageHandler(service, () => clock);
  const sink = new Writable({ write(chunk: Buffer, _enc, done) {
    const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
    if (line.level >= 40) warnings.push(line.msg);
    done();
  } });
  const ctx: RequestContext = { apiVersion: 0, correlationId: 1, clientId: 'peer', clientHost: '',
    connectionId: 1, log: pino({ level: 'info' }, sink), signal: new AbortController().signal };
  return {
    received, warnings,
    send(bytes) {
      clock += 1;
      const r = new Reader(bytes);
      const req = decodeRaftMessageRequest(r, 0);
      r.expectEnd();
      if (r.failed) return 'codec';
      const res = handler.handle(ctx, req) as RaftMessageResponse;
      return res.errorCode;
    },
  };
}

function encode(req: RaftMessageRequest): Buffer {
  const w = new Writer(sizeRaftMessageRequest(0, req));
  encodeRaftMessageRequest(w, 0, req);
  return Buffer.concat(w.finish());
}

const envelope = { from: 2, to: self, term: 7 };
function heartbeat(term: number, from = 2): Message {
  return { from, to: self, term, type: 'heartbeat', commit: 3, context: '' };
}
function append(entries: { index: number; term: number; conf?: Buffer }[]): Message {
  return { ...envelope, type: 'append', index: 10, logTerm: 6, commit: 9,
    entries: entries.map((e) => ({ index: e.index, term: e.term,
      type: e.conf === undefined ? 'normal' as const : 'confChange' as const,
      data: e.conf ?? Buffer.from('x') })) };
}
function batch(messages: Message[], from = 2): Buffer {
  return encode(raftMessagesToWire(from, self, messages));
}

/** A heartbeat batch whose term bytes hold any int64, written over a placeholder. */
function rawTerm(term: bigint): Buffer {
  const placeholder = 0x1234_5678_9abc;
  const bytes = batch([heartbeat(placeholder)]);
  const marker = Buffer.alloc(8);
  marker.writeBigInt64BE(BigInt(placeholder));
  const at = bytes.indexOf(marker);
  assert.ok(at >= 0);
  bytes.writeBigInt64BE(term, at);
  return bytes;
}

const invalid = KafkaError.invalidRequest.code;

test('terms at or beyond the bound never reach Raft', () => {
  const h = harness();
  assert.equal(h.send(batch([heartbeat(2 ** 53 - 1)])), invalid, '2^53 - 1');
  assert.equal(h.send(batch([heartbeat(bound)])), invalid, 'the bound');
  assert.equal(h.send(rawTerm(2n ** 53n)), 'codec', '2^53');
  assert.equal(h.send(rawTerm(2n ** 63n - 1n)), 'codec', '2^63 - 1');
  assert.equal(h.send(rawTerm(-(2n ** 63n))), 'codec', '-2^63');
  assert.equal(h.send(rawTerm(-1n)), invalid, '-1');
  assert.equal(h.received.length, 0);
  assert.equal(h.send(batch([heartbeat(bound - 1)])), 0, 'just below the bound');
  assert.equal(h.send(batch([heartbeat(1_000_000)])), 0, 'a large but bounded term');
  assert.equal(h.received.length, 2);
});

test('entries must follow the append and fit its term; conf changes must decode', () => {
  const h = harness();
  const conf = encodeConfChange({ type: 'addVoter', nodeId: 4 });
  assert.equal(h.send(batch([append([{ index: 11, term: 7 }, { index: 12, term: 7, conf }])])), 0);
  const cases: [string, Message][] = [
    ['first entry not at index + 1', append([{ index: 12, term: 7 }])],
    ['entry term above the message term', append([{ index: 11, term: 8 }])],
    ['entry term below the previous log term', append([{ index: 11, term: 5 }])],
    ['entry terms going down', append([{ index: 11, term: 7 }, { index: 12, term: 6 }])],
    ['conf change that does not decode', append([{ index: 11, term: 7, conf: Buffer.from([9]) }])],
    ['conf change of node 0', append([{ index: 11, term: 7,
      conf: Buffer.from([0, 0, 0, 0, 0]) }])],
    ['log term above the message term', { ...envelope, type: 'vote', index: 5, logTerm: 8,
      transfer: false }],
  ];
  for (const [label, m] of cases) assert.equal(h.send(batch([m])), invalid, label);
  assert.equal(h.received.length, 1);
});

test('a sender that is no known member is refused', () => {
  const h = harness();
  assert.equal(h.send(batch([heartbeat(7, 99)], 99)), invalid);
  assert.equal(h.send(batch([heartbeat(7, 3)], 3)), 0);
  assert.equal(h.received.length, 1);
});

/** What anything that reaches Raft must satisfy. */
function checkReached(messages: readonly Message[]): void {
  const ok = (n: number) => Number.isSafeInteger(n) && n >= 0 && n < bound;
  for (const m of messages) {
    const numbers = [m.term, ...Object.values(m).filter((v): v is number => typeof v === 'number')];
    assert.ok(numbers.every(ok), `${m.type}: ${JSON.stringify(numbers)}`);
    if (m.type === 'append') {
      m.entries.forEach((e, i) => {
        assert.ok(ok(e.term) && e.index === m.index + 1 + i && e.term <= m.term, 'entry');
      });
    }
  }
}

test('every truncation and bit flip of a valid batch is refused or reaches Raft well-formed',
  () => {
    const h = harness();
    const good = batch([
      append([{ index: 11, term: 7 }, { index: 12, term: 7 }]),
      { ...envelope, type: 'appendResponse', index: 12, reject: true, hintIndex: 8, hintTerm: 5 },
      heartbeat(7),
      { ...envelope, type: 'snapshot', snapshot: {
        meta: { index: 500, term: 6, conf: { voters: [1, 2, 3], learners: [] } },
        data: Buffer.from('image') } },
    ]);
    for (let cut = 0; cut < good.length; cut++) {
      const out = h.send(good.subarray(0, cut));
      assert.ok(out === 'codec' || out === invalid, `cut at ${cut}: ${out}`);
    }
    for (let bit = 0; bit < good.length * 8; bit++) {
      const flipped = Buffer.from(good);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.doesNotThrow(() => h.send(flipped), `bit ${bit}`);
    }
    for (const messages of h.received) checkReached(messages);
  });

test('a flood of bad batches logs a bounded number of warnings', () => {
  const h = harness();
  for (let i = 0; i < 1000; i++) h.send(batch([heartbeat(2 ** 53 - 1)]));
  assert.ok(h.warnings.length > 0, 'refusals are logged');
  assert.ok(h.warnings.length <= 20, `${h.warnings.length} warnings for 1000 bad batches`);
});
