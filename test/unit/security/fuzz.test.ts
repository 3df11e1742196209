// Proves that no input makes the SASL mechanisms throw or accept what they should not: 1,100
// seeded mutations (bit flips, bytes set to ',', '=', NUL, 0xff…, ranges deleted, inserted,
// duplicated, truncated, attributes swapped) of valid messages are fed to ScramServer
// (client-first and client-final), PlainServer and ScramClient (server-first and server-final).
// Every answer must be a failure or a well-formed step; a changed client-final must never
// authenticate; and the mutations must reach several distinct failure reasons, so the fuzzer is
// not too gentle to prove anything. Seed fixed; a failure message names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  PlainServer, plainClientMessage, scramCredential, ScramClient, ScramServer,
  type SaslStep, type ScramCredential,
} from '../../../src/security/index.js';

const seed = 0x5a5d;
const secret = Buffer.alloc(32, 1);
const interesting = [0x2c, 0x3d, 0x00, 0xff, 0x80, 0x61, 0x20, 0x6e, 0x70, 0x72, 0x79, 0x2b];

/** One to three random edits of `base`. */
function mutate(prng: Prng, base: Buffer): Buffer {
  let b = Buffer.from(base);
  const edits = prng.between(1, 3);
  for (let e = 0; e < edits; e++) {
    const at = b.length === 0 ? 0 : prng.below(b.length);
    const pick = (): number => interesting[prng.below(interesting.length)] ?? 0;
    switch (prng.below(7)) {
      case 0: if (b.length > 0) b[at] = (b[at] ?? 0) ^ (1 << prng.below(8)); break;
      case 1: if (b.length > 0) b[at] = pick(); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + prng.between(1, 8))]); break;
      case 3: {
        const extra = Buffer.from(Array.from({ length: prng.between(1, 8) }, pick));
        b = Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
        break;
      }
      case 4: b = b.subarray(0, at); break;
      case 5: b = Buffer.concat([b, b.subarray(at, at + prng.between(1, 16))]); break;
      default: {
        const parts = b.toString('latin1').split(',');
        const i = prng.below(parts.length);
        const j = prng.below(parts.length);
        [parts[i], parts[j]] = [parts[j] ?? '', parts[i] ?? ''];
        b = Buffer.from(parts.join(','), 'latin1');
      }
    }
  }
  return b;
}

const credentials: Record<string, ScramCredential> = {
  'alice': scramCredential('SCRAM-SHA-256', 'secret', Buffer.alloc(32, 2), 4096),
  'b,o=b': scramCredential('SCRAM-SHA-256', 'secret', Buffer.alloc(32, 3), 4096),
};
const server = (): ScramServer => new ScramServer({
  mechanism: 'SCRAM-SHA-256', lookup: (u) => credentials[u], nonce: 'snonce', secret,
});

function wellFormed(step: SaslStep, context: string): void {
  const where = `seed=${seed} ${context}`;
  if (step.kind === 'failed') {
    if (step.message !== undefined) assert.match(step.message.toString(), /^e=[a-z-]+$/, where);
  } else if (step.kind === 'challenge') {
    assert.match(step.message.toString(), /^r=[^,]+,s=[A-Za-z0-9+/=]+,i=\d+$/, where);
  } else {
    assert.ok(Object.hasOwn(credentials, step.principal.name), where);
  }
}

/** A valid client-first and client-final for `user`, from our client. */
function validMessages(user: string): { first: Buffer; final: Buffer } {
  const client = new ScramClient({ mechanism: 'SCRAM-SHA-256', user, password: 'secret',
    nonce: 'cnonce' });
  const first = client.firstMessage();
  const challenge = server().step(first);
  assert.equal(challenge.kind, 'challenge');
  const final = client.serverFirst(challenge.message ?? Buffer.alloc(0));
  assert.ok(final.ok);
  return { first, final: final.message };
}

test('ScramServer: 800 mutated client messages never throw, never authenticate a change', () => {
  const prng = new Prng(seed);
  const reasons = new Set<string>();
  for (let n = 0; n < 800; n++) {
    const user = n % 2 === 0 ? 'alice' : 'b,o=b';
    const { first, final } = validMessages(user);
    const s = server();
    if (n < 400) {
      const mutated = mutate(prng, first);
      const step = s.step(mutated);
      wellFormed(step, `client-first #${n} ${JSON.stringify(mutated.toString('latin1'))}`);
      if (step.kind === 'failed') reasons.add(step.error);
      continue;
    }
    assert.equal(s.step(first).kind, 'challenge');
    const mutated = mutate(prng, final);
    const step = s.step(mutated);
    const context = `client-final #${n} ${JSON.stringify(mutated.toString('latin1'))}`;
    wellFormed(step, context);
    if (step.kind === 'done') assert.deepEqual(mutated, final, `seed=${seed} ${context}`);
    if (step.kind === 'failed') reasons.add(step.error);
  }
  for (const r of ['malformed', 'bad-proof', 'nonce-mismatch', 'channel-binding']) {
    assert.ok(reasons.has(r), `seed=${seed}: no mutation ended in ${r} (${[...reasons]})`);
  }
});

test('PlainServer: 100 mutated messages never throw', () => {
  const prng = new Prng(seed + 1);
  const lookup = (u: string, m: string): ScramCredential | undefined =>
    (m === 'SCRAM-SHA-256' ? credentials[u] : undefined);
  const reasons = new Set<string>();
  for (let n = 0; n < 100; n++) {
    const mutated = mutate(prng, plainClientMessage(n % 2 === 0 ? 'alice' : 'b,o=b', 'secret'));
    const step = new PlainServer({ lookup, secret }).step(mutated);
    wellFormed(step, `PLAIN #${n} ${JSON.stringify(mutated.toString('latin1'))}`);
    if (step.kind === 'failed') reasons.add(step.error);
  }
  assert.ok(reasons.has('malformed') && reasons.size >= 2, `seed=${seed}: ${[...reasons]}`);
});

test('ScramClient: 200 mutated server messages never throw or verify', () => {
  const prng = new Prng(seed + 2);
  const errors = new Set<string>();
  for (let n = 0; n < 200; n++) {
    const client = new ScramClient({ mechanism: 'SCRAM-SHA-256', user: 'alice',
      password: 'secret', nonce: 'cnonce' });
    const s = server();
    const challenge = s.step(client.firstMessage()).message ?? Buffer.alloc(0);
    if (n < 100) {
      const answer = client.serverFirst(mutate(prng, challenge));
      if (!answer.ok) errors.add(answer.error);
      continue;
    }
    const final = client.serverFirst(challenge);
    assert.ok(final.ok);
    const verifier = s.step(final.message).message ?? Buffer.alloc(0);
    const mutated = mutate(prng, verifier);
    const answer = client.serverFinal(mutated);
    // Extensions after the verifier are allowed (RFC 5802 §7); the verifier itself must be intact.
    const kept = mutated.toString('latin1').split(',')[0];
    if (answer.ok) assert.equal(kept, verifier.toString(), `seed=${seed} server-final #${n}`);
    else errors.add(answer.error);
  }
  assert.ok(errors.has('malformed') && errors.has('bad-server-signature'),
    `seed=${seed}: ${[...errors]}`);
});
