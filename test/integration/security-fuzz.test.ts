/**
 * Issue 15 acceptance: with security on, an unauthenticated connection is served nothing —
 * the broker answers only ApiVersions, SaslHandshake and, after a handshake, SaslAuthenticate —
 * across a seeded fuzz run of PADO_FUZZ_FRAMES frames (default 5,000; 100,000 with
 * PADO_CHAOS=full, as `node scripts/run-tests.mjs integration --full` sets it), forged private-API
 * frames included; and a client cannot reach Raft or replication, even logged in.
 *
 * How: one real `pado start` with listeners BROKER (SSL, inter-broker, mutual TLS), CLIENT
 * (SASL_SSL) and SASL (SASL_PLAINTEXT: the same gate without a TLS handshake per connection,
 * so most fuzz connections use it; one in eight goes over CLIENT). Sixteen workers open
 * connections and pipeline seeded frame sequences: request frames of every API key the broker
 * knows (random bodies, and harmful realistic ones: create or delete a topic, produce, join a
 * group, commit, add a user, add an ACL, unregister the broker, change the quorum), forged peer
 * frames (RaftMessage appends/votes/heartbeats with any term, BrokerRegistration,
 * BrokerHeartbeat, AlterPartition, AllocateProducerIds, ConnectCheck, RaftKv, a follower's Fetch
 * and OffsetForLeaderEpoch), bit-flipped, truncated and garbage frames, SaslAuthenticate before a
 * handshake, a handshake then a non-SASL request, a v0 handshake then garbage raw tokens, failed
 * SaslAuthenticate exchanges and wrong passwords. test/support/sasl-gate.ts decodes every answer
 * (its correlation id names the request it answers) and replays the broker's SASL state: any
 * answer to another API, out of turn, out of order, or a login without credentials is a
 * violation. It also names why the broker closed each connection; those tallies must equal the
 * broker's own "closing connection" debug lines. Side effects are checked with an authenticated
 * administrator (the CLI with the node certificate on BROKER): topics, a topic's configs, groups,
 * users, ACLs, brokers and the Raft leader and epoch are unchanged, and a SASL client still
 * produces and consumes. Logged in over SCRAM on both SASL listeners, each forged peer frame
 * closes the connection unanswered; on BROKER, no certificate, a certificate from another CA or
 * plain TCP gets no answer at all. Seed: PADO_SEED (printed; replay with it).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listenerPort, mainJs, startBroker, tempDir, type BrokerProcess,
} from '../support/broker.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { run, waitFor } from '../support/run.js';
import { exchange, heartbeat, raftFrame, rawTermFrame } from '../support/forged-frames.js';
import {
  GateLink, GateMirror, stamped, type CloseCause, type GateOutcome, type GateTarget, type Served,
} from '../support/sasl-gate.js';
import { randomMessage, schemas } from '../unit/protocol/support.js';
import { Prng, seededRandom } from '../../src/common/index.js';
import {
  ApiKey, apiTable, decodeResponseFrame, encodeRequestFrame, zeroUuid,
  type ApiVersionsResponse,
} from '../../src/protocol/index.js';
import { buildBatch } from '../../src/protocol/records/index.js';
import { saslLogin, type SaslCredentials } from '../../src/client/index.js';
import { raftMessagesToWire } from '../../src/server/index.js';
import type { Message } from '../../src/raft/index.js';

const seed = Number(process.env.PADO_SEED ?? 20261215);
const framesWanted = Number(process.env.PADO_FUZZ_FRAMES ??
  (process.env.PADO_CHAOS === 'full' ? 100_000 : 5_000));
const workersCount = 16;
/** One fuzz connection in this many goes over SASL_SSL (a TLS handshake each). */
const tlsOneIn = 8;
const password = 'fuzz-proof password';
const nodeId = 1;

let certs: TestCerts;
let broker: BrokerProcess;
let served: Served;
let clusterId: string;
let before0: Snapshot;

const address = (listener: string) => `127.0.0.1:${listenerPort(broker, listener)}`;
/** The CLI as an administrator holding a node certificate, on the inter-broker listener. */
const asNode = () => ['--bootstrap', address('BROKER'), '--tls-ca', certs.caPem,
  '--tls-cert', certs.serverKeystore, '--tls-key', certs.serverKeystore];
const cli = (args: string[], input?: string) => run(process.execPath, [mainJs, ...args],
  { timeoutMs: 90_000, ...(input === undefined ? {} : { input }) });

function target(listener: 'CLIENT' | 'SASL' | 'BROKER', tls?: GateTarget['tls']): GateTarget {
  return { host: '127.0.0.1', port: listenerPort(broker, listener),
    ...(tls === undefined ? {} : { tls }) };
}
const clientTls = () => ({ ca: readFileSync(certs.caPem) });

before(async () => {
  certs = makeTestCerts();
  const config = join(tempDir(), 'pado.json');
  writeFileSync(config, JSON.stringify({
    listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0,SASL://127.0.0.1:0',
    'listener.security.protocol.map': 'BROKER:SSL,CLIENT:SASL_SSL,SASL:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'BROKER',
    'ssl.keystore.location': certs.serverKeystore,
    'ssl.truststore.location': certs.caPem,
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
  }));
  // debug: the broker logs why it closes each connection ("closing connection", reason).
  broker = await startBroker({ omitListen: true,
    args: ['--config', config, '--node-id', String(nodeId), '--log-level', 'debug'] });
  const created = await cli(['user', 'create', 'alice', '--password-stdin', ...asNode()],
    `${password}\n`);
  assert.equal(created.code, 0, created.stderr);
  const topic = await cli(['topic', 'create', 'keep-me', '-p', '2', ...asNode()]);
  assert.equal(topic.code, 0, topic.stderr);
  served = await servedApis();
  before0 = await snapshot();
  clusterId = before0.cluster.clusterId;
});
after(async () => {
  await broker?.stop();
  certs?.remove();
});

/** What the SASL listener serves, from its ApiVersions answer to an unauthenticated client. */
async function servedApis(): Promise<Served> {
  const link = await GateLink.open(target('SASL'), new GateMirror(new Map()));
  try {
    const answer = await link.request(frame(ApiKey.apiVersions, 3,
      { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }));
    assert.notEqual(answer, 'closed', 'ApiVersions before authentication');
    const body = decodeResponseFrame(ApiKey.apiVersions, 3, answer as Buffer)
      .body as ApiVersionsResponse;
    return new Map(body.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
  } finally {
    link.destroy();
  }
}

interface Snapshot {
  cluster: { clusterId: string; controllerId: number; brokers: unknown;
    quorum: { leaderId: number; leaderEpoch: number; members: { id: number; role: string }[] } };
  topics: unknown;
  keepMe: unknown;
  groups: unknown;
  users: unknown;
  acls: unknown;
}

/** The cluster as an authenticated administrator sees it. */
async function snapshot(): Promise<Snapshot> {
  const json = async (args: string[]) => {
    const r = await cli([...args, '--format', 'json', ...asNode()]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as unknown;
  };
  const info = await json(['cluster', 'info']) as Snapshot['cluster'];
  return {
    cluster: { clusterId: info.clusterId, controllerId: info.controllerId, brokers: info.brokers,
      quorum: { leaderId: info.quorum.leaderId, leaderEpoch: info.quorum.leaderEpoch,
        members: info.quorum.members.map((m) => ({ id: m.id, role: m.role })) } },
    topics: await json(['topic', 'list']),
    keepMe: await json(['topic', 'describe', 'keep-me']),
    groups: await json(['group', 'list']),
    users: await json(['user', 'list']),
    acls: await json(['acl', 'list']),
  };
}

// ---- frames ----

const metadataProbe = Buffer.concat(encodeRequestFrame(ApiKey.metadata, 1, 1, 'fuzz',
  { topics: [] }));

function frame(key: number, version: number, msg: unknown): Buffer {
  return Buffer.concat(encodeRequestFrame(key, version, 1, 'fuzz', msg));
}

/** A frame of `key` at `version`: every field random, then `overlay` on top. */
function filled(p: Prng, key: number, version: number, overlay: Record<string, unknown> = {}):
  Buffer {
  const schema = schemas.find((s) => s.key === key);
  assert.ok(schema !== undefined, `no schema for api ${key}`);
  return frame(key, version, { ...randomMessage(p, schema.request, version), ...overlay });
}

function anyVersion(p: Prng, key: number): number {
  const info = apiTable.get(key);
  assert.ok(info !== undefined);
  return p.between(info.minVersion, info.maxVersion);
}

/** A frame whose header says `version`, which the codec cannot write (unsupported versions). */
function withVersion(f: Buffer, version: number): Buffer {
  const out = Buffer.from(f);
  out.writeInt16BE(version, 6);
  return out;
}

interface Corpus {
  /** Served before a handshake: ApiVersions (any version), a handshake on an unknown mechanism. */
  readonly allowed: readonly Buffer[];
  /** One frame per API key the broker knows, random bodies, and harmful realistic ones. */
  readonly requests: readonly Buffer[];
  /** Frames only nodes send one another. */
  readonly forged: readonly Buffer[];
}

function allowedFrames(p: Prng): Buffer[] {
  const out: Buffer[] = [];
  for (let v = 0; v <= 3; v++) {
    out.push(filled(p, ApiKey.apiVersions, v, p.chance(0.5) ? {}
      : { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1.0' }));
  }
  out.push(withVersion(frame(ApiKey.apiVersions, 3,
    { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }), p.between(4, 200)));
  for (const mechanism of ['GSSAPI', 'OAUTHBEARER', 'SCRAM-SHA-1', 'plain', '',
    'x'.repeat(p.below(300))]) {
    out.push(frame(ApiKey.saslHandshake, p.below(2), { mechanism }));
  }
  return out;
}

function harmfulRequests(p: Prng): Buffer[] {
  const batch = buildBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('forged'),
    timestamp: 1_700_000_000_000 }], compression: 'none' });
  const at = (key: number, overlay: Record<string, unknown>) =>
    filled(p, key, anyVersion(p, key), overlay);
  return [
    at(ApiKey.produce, { transactionalId: null, acks: p.pick([-1, 0, 1]), timeoutMs: 1000,
      topicData: [{ name: p.pick(['fuzz-made', 'keep-me']),
        partitionData: [{ index: 0, records: batch }] }] }),
    at(ApiKey.metadata, { topics: [{ topicId: zeroUuid, name: 'fuzz-auto' }],
      allowAutoTopicCreation: true }),
    at(ApiKey.createTopics, { topics: [{ name: 'fuzz-made', numPartitions: 1,
      replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000,
    validateOnly: false }),
    at(ApiKey.deleteTopics, { topics: [{ name: 'keep-me', topicId: zeroUuid }],
      topicNames: ['keep-me'], timeoutMs: 1000 }),
    at(ApiKey.joinGroup, { groupId: 'fuzz-group', sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null }),
    at(ApiKey.offsetCommit, { groupId: 'fuzz-group', generationIdOrMemberEpoch: -1,
      memberId: '', groupInstanceId: null, topics: [{ name: 'keep-me', partitions: [
        { partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1,
          commitTimestamp: -1, committedMetadata: null }] }] }),
    at(ApiKey.alterUserScramCredentials, { deletions: [{ name: 'alice', mechanism: 1 }],
      upsertions: [{ name: 'mallory', mechanism: 2, iterations: 4096,
        salt: p.fill(Buffer.alloc(16)), saltedPassword: p.fill(Buffer.alloc(32)) }] }),
    at(ApiKey.createAcls, { creations: [{ resourceType: 2, resourceName: '*',
      resourcePatternType: 3, principal: 'User:mallory', host: '*', operation: 2,
      permissionType: 3 }] }),
    at(ApiKey.incrementalAlterConfigs, { resources: [{ resourceType: 2, resourceName: 'keep-me',
      configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] }],
    validateOnly: false }),
    at(ApiKey.unregisterBroker, { brokerId: nodeId }),
    at(ApiKey.removeRaftVoter, { clusterId, voterId: nodeId }),
    at(ApiKey.addRaftVoter, { clusterId, voterId: 7, timeoutMs: 1000,
      listeners: [{ name: 'BROKER', host: '127.0.0.1', port: 1 }] }),
  ];
}

function raftFrames(p: Prng): Buffer[] {
  const from = p.pick([2, 3, 7, 0, -1, 2 ** 31 - 1]);
  const term = p.pick([0, 1, 2, 5, 1_000_000, 2 ** 31, 2 ** 50, 2 ** 53 - 1]);
  const entries = [{ index: p.between(1, 100), term, type: 'normal' as const,
    data: p.fill(Buffer.alloc(p.below(64))) }];
  const messages: Message[] = [
    { type: 'append', from, to: nodeId, term, index: p.below(100), logTerm: term, entries,
      commit: p.below(1000) },
    { type: 'vote', from, to: nodeId, term, index: 1 << 20, logTerm: term, transfer: true },
    { type: 'timeoutNow', from, to: nodeId, term },
  ];
  return [
    raftFrame(heartbeat(from, nodeId, term, p.below(1 << 20))),
    rawTermFrame(from, nodeId, BigInt.asIntN(64, BigInt(p.u32()) << BigInt(p.below(33)))),
    ...messages.map((m) => raftFrame(raftMessagesToWire(from, nodeId, [m]))),
  ];
}

function forgedFrames(p: Prng): Buffer[] {
  const at = (key: number, overlay: Record<string, unknown>, version = anyVersion(p, key)) =>
    filled(p, key, version, overlay);
  const fetchVersion = anyVersion(p, ApiKey.fetch);
  return [
    ...raftFrames(p),
    at(ApiKey.raftKv, { op: 1, key: 'k', value: p.fill(Buffer.alloc(p.below(128))) }),
    at(ApiKey.brokerRegistration, { brokerId: p.pick([nodeId, 7]), clusterId,
      listeners: [{ name: 'BROKER', host: '127.0.0.1', port: 1, securityProtocol: 0 }],
      rack: null, previousBrokerEpoch: -1 }),
    at(ApiKey.brokerHeartbeat, { brokerId: nodeId, wantFence: true, wantShutDown: true }),
    at(ApiKey.alterPartition, { brokerId: nodeId }),
    at(ApiKey.allocateProducerIds, { brokerId: nodeId }),
    at(ApiKey.connectCheck, { host: '127.0.0.1', port: 9, timeoutMs: 100 }),
    at(ApiKey.fetch, { replicaId: p.between(0, 7), maxWaitMs: 0, minBytes: 0,
      replicaState: { replicaId: p.between(0, 7), replicaEpoch: -1 } }, fetchVersion),
    at(ApiKey.offsetForLeaderEpoch, { replicaId: p.between(0, 7) },
      p.between(3, apiTable.get(ApiKey.offsetForLeaderEpoch)!.maxVersion)),
  ];
}

function corpus(p: Prng): Corpus {
  const requests: Buffer[] = harmfulRequests(p);
  for (const key of apiTable.keys()) requests.push(filled(p, key, anyVersion(p, key)));
  return { allowed: allowedFrames(p), requests, forged: forgedFrames(p) };
}

function mutate(p: Prng, original: Buffer): Buffer {
  const f = Buffer.from(original);
  const body = f.length - 4;
  switch (p.below(5)) {
    case 0: // bit flips after the size prefix
      for (let i = p.between(1, 8); i > 0; i--) f[4 + p.below(body)]! ^= 1 << p.below(8);
      return f;
    case 1: // interesting bytes
      for (let i = p.between(1, 4); i > 0; i--) {
        f[4 + p.below(body)] = p.pick([0, 0xff, 0x7f, 0x80, 0x01]);
      }
      return f;
    case 2: { // truncation, the size prefix kept true
      const t = Buffer.from(f.subarray(0, 4 + p.below(body)));
      t.writeInt32BE(t.length - 4, 0);
      return t;
    }
    case 3: { // garbage tail
      const g = Buffer.concat([f, p.fill(Buffer.alloc(p.between(1, 64)))]);
      g.writeInt32BE(g.length - 4, 0);
      return g;
    }
    default: // header damage: the api key (private ones too), the version
      if (p.chance(0.5)) f.writeInt16BE(p.pick([17, 18, 36, 1000, 1001, 1002, 1100, -1]), 4);
      else f.writeInt16BE(p.between(-2, 20), 6);
      return f;
  }
}

function garbage(p: Prng): Buffer {
  const out = p.fill(Buffer.alloc(4 + p.below(256)));
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

// ---- scenarios: what one unauthenticated connection sends ----

interface Plan {
  readonly name: string;
  readonly frames: readonly Buffer[];
  /** Frames from here on are raw SASL tokens (after a v0 handshake): not stamped. */
  readonly rawFrom?: number;
}

const maybeMutated = (p: Prng, f: Buffer, chance: number) => p.chance(chance) ? mutate(p, f) : f;

function prefix(p: Prng, c: Corpus, max: number): Buffer[] {
  return Array.from({ length: p.below(max + 1) }, () => maybeMutated(p, p.pick(c.allowed), 0.2));
}

/** The frame that should close the connection: any request, a forged one, mutated, garbage. */
function attack(p: Prng, c: Corpus): Buffer {
  const r = p.below(100);
  if (r < 40) return p.pick(c.requests);
  if (r < 65) return p.pick(c.forged);
  if (r < 90) return mutate(p, p.pick(p.pick([c.requests, c.forged, c.allowed])));
  return garbage(p);
}

/** Frames after the one that closes the connection: never read, never answered. */
function trailing(p: Prng, c: Corpus): Buffer[] {
  return Array.from({ length: p.below(4) }, () => attack(p, c));
}

const mechanisms = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;

function scramFirst(p: Prng): Buffer {
  return Buffer.from(`n,,n=${p.pick(['alice', 'mallory'])},r=${p.u32().toString(36)}fuzz`);
}

function authenticate(p: Prng, token: Buffer): Buffer {
  const version = p.below(3);
  return frame(ApiKey.saslAuthenticate, version, { authBytes: token });
}

function badToken(p: Prng): Buffer {
  return p.pick([
    () => garbage(p).subarray(4),
    () => Buffer.from(`\0alice\0not ${password}`),
    () => Buffer.from(`\0mallory\0${password}`),
    () => Buffer.from(`c=biws,r=${p.u32()},p=${p.fill(Buffer.alloc(32)).toString('base64')}`),
    () => Buffer.alloc(0),
  ])();
}

/**
 * One connection's frames, ending with a Metadata request: whatever came before (a mutated frame
 * may turn out to be one the broker serves), the gate closes the connection there at the latest.
 */
function plan(p: Prng, c: Corpus): Plan {
  const pl = planned(p, c);
  return { ...pl, frames: [...pl.frames, metadataProbe] };
}

function planned(p: Prng, c: Corpus): Plan {
  const r = p.below(100);
  const handshake = (v: number) =>
    frame(ApiKey.saslHandshake, v, { mechanism: p.pick(mechanisms) });
  if (r < 40) {
    return { name: 'pipeline', frames: [...prefix(p, c, 12), attack(p, c), ...trailing(p, c)] };
  }
  if (r < 55) {
    return { name: 'forged peer frame', frames: [...prefix(p, c, 3),
      maybeMutated(p, p.pick(c.forged), 0.2), ...trailing(p, c)] };
  }
  if (r < 70) {
    const challenge = p.chance(0.5) ? [authenticate(p, scramFirst(p))] : [];
    const next = p.chance(0.3) ? p.pick(c.allowed) : attack(p, c);
    return { name: 'handshake then a request', frames: [...prefix(p, c, 2), handshake(1),
      ...challenge, next, ...trailing(p, c)] };
  }
  if (r < 82) {
    const start = [...prefix(p, c, 2), handshake(0)];
    const first = p.chance(0.5) ? [scramFirst(p)] : [];
    const tokens = [...first, ...Array.from({ length: p.between(1, 3) }, () =>
      p.chance(0.5) ? badToken(p) : attack(p, c).subarray(4))];
    return { name: 'v0 handshake then raw tokens', rawFrom: start.length,
      frames: [...start, ...tokens.map(sized)] };
  }
  if (r < 92) {
    return { name: 'SaslAuthenticate before a handshake', frames: [...prefix(p, c, 3),
      authenticate(p, p.chance(0.5) ? scramFirst(p) : badToken(p)), ...trailing(p, c)] };
  }
  if (r < 99) {
    return { name: 'failed SaslAuthenticate', frames: [...prefix(p, c, 2), handshake(1),
      authenticate(p, badToken(p)), ...trailing(p, c)] };
  }
  const huge = Buffer.alloc(64);
  huge.writeInt32BE(p.pick([-1, 100 * 1024 * 1024 + 1, 0x7fff_ffff]), 0);
  return { name: 'oversize frame', frames: [...prefix(p, c, 2), huge] };
}

function sized(token: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(token.length, 0);
  return Buffer.concat([size, token]);
}

// ---- the fuzz run ----

interface Tally {
  frames: number;
  sent: number;
  connections: number;
  tlsConnections: number;
  connectFailures: number;
  answers: Map<string, number>;
  causes: Map<string, number>;
  /** Connections the gate closed ('not authenticated'), by the API of the refused request. */
  refused: Map<string, number>;
  plans: Map<string, number>;
  violations: string[];
}

const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

interface Connection {
  readonly listener: 'SASL' | 'CLIENT';
  /** Seed, worker and connection number: where to find it again. */
  readonly where: string;
}

function record(t: Tally, at: Connection, name: string, o: GateOutcome,
  frames?: readonly Buffer[]): void {
  t.frames += o.read;
  t.sent += o.sent;
  bump(t.plans, name);
  bump(t.causes, `${at.listener}: ${o.cause}`);
  if (o.cause === 'not authenticated') {
    const on = o.closedOn ?? '?';
    bump(t.refused, on.startsWith('api ') ? 'unknown API keys' : on);
  }
  for (const [k, n] of o.answers) bump(t.answers, k, n);
  if (o.violations.length === 0) return;
  const file = join(tmpdir(), `security-fuzz-${seed}-${t.violations.length}.json`);
  writeFileSync(file, JSON.stringify({ ...at, plan: name, violations: o.violations,
    frames: frames?.map((f) => f.toString('hex')) }));
  t.violations.push(`${at.where} on ${at.listener} (${name}): ${o.violations.join('; ')} — ` +
    `frames in ${file}`);
}

/** A login with a wrong password or an unknown user, one SASL round at a time. */
async function wrongLogin(p: Prng, link: GateLink): Promise<void> {
  const credentials: SaslCredentials = { mechanism: p.pick(mechanisms),
    username: p.pick(['alice', 'mallory']), password: `${password}${p.pick(['!', ' ', 'x'])}` };
  let id = 0;
  const send = async (apiKey: number, version: number, msg: unknown) => {
    const answer = await link.request(stamped(frame(apiKey, version, msg), ++id));
    if (answer === 'closed') throw new Error('closed');
    return decodeResponseFrame(apiKey, version, answer).body;
  };
  // A login that succeeds anyway is the mirror's to report (a login without credentials).
  await saslLogin(send, credentials, seededRandom(p), 'fuzz').catch(() => undefined);
  link.write([stamped(metadataProbe, ++id)]);
}

async function fuzzConnection(p: Prng, c: Corpus, t: Tally, where: string): Promise<void> {
  const tls = p.below(tlsOneIn) === 0;
  const to = tls ? target('CLIENT', clientTls()) : target('SASL');
  let link: GateLink;
  try {
    link = await GateLink.open(to, new GateMirror(served, { lossyTail: tls }));
  } catch {
    t.connectFailures++;
    return;
  }
  t.connections++;
  if (tls) t.tlsConnections++;
  const at: Connection = { listener: tls ? 'CLIENT' : 'SASL', where };
  try {
    if (p.chance(0.02)) {
      await wrongLogin(p, link);
      record(t, at, 'wrong password', await link.finish());
      return;
    }
    const pl = plan(p, c);
    const frames = pl.frames.map((f, i) => i < (pl.rawFrom ?? Infinity) ? stamped(f, i + 1) : f);
    link.write(frames);
    record(t, at, pl.name, await link.finish(), frames);
  } finally {
    link.destroy();
  }
}

/**
 * The broker's "closing connection" debug lines since `from`: by reason on SASL, one total on
 * CLIENT (where the wire cannot tell the reason, see GateMirror's lossyTail).
 */
function brokerCloses(from: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of broker.lines.slice(from)) {
    if (!line.includes('"msg":"closing connection"')) continue;
    const l = JSON.parse(line) as { listener?: string; reason?: string };
    if (l.listener === 'SASL') bump(out, `SASL: ${l.reason ?? '?'}`);
    if (l.listener === 'CLIENT') bump(out, 'CLIENT: any');
  }
  return out;
}

/** The same from the wire: every close by the broker, by the reason the mirror names. */
function wireCloses(t: Tally): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of t.causes) {
    const [listener, cause] = key.split(': ') as [string, CloseCause];
    if (cause !== 'none') bump(out, listener === 'CLIENT' ? 'CLIENT: any' : key, n);
  }
  return out;
}

const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort());

// ---- the tests, in this order: the inter-broker listener's first, as it looks for its TLS
// refusals in the broker's log, which is rate-limited and which the fuzz would use up ----

test('the inter-broker listener answers nothing without a node certificate', async (t) => {
  const raft = stamped(raftFrame(heartbeat(2, nodeId, 1_000_000)), 2);
  const versions = stamped(frame(ApiKey.apiVersions, 3,
    { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }), 1);
  const ca = readFileSync(certs.caPem);
  const ways: [string, GateTarget['tls']][] = [['no certificate', { ca }],
    ['a certificate from another CA', { ca, cert: readFileSync(certs.untrusted.cert),
      key: readFileSync(certs.untrusted.key) }]];
  const outcomes = new Map<string, number>();
  for (let round = 0; round < 10; round++) {
    for (const [way, tls] of ways) {
      let link: GateLink;
      try {
        link = await GateLink.open(target('BROKER', tls), new GateMirror(new Map()));
      } catch {
        bump(outcomes, `${way}: TLS handshake refused`);
        continue;
      }
      link.write([versions, raft]);
      const o = await link.finish();
      assert.equal(o.answers.size, 0, `${way}: answered ${JSON.stringify([...o.answers])}`);
      assert.equal(o.closed, 'broker', way);
      bump(outcomes, `${way}: closed after the client's handshake, unanswered`);
    }
    const plain = await exchange({ host: '127.0.0.1', port: listenerPort(broker, 'BROKER') }, raft);
    assert.equal(plain, 'closed', 'plain TCP');
    bump(outcomes, 'plain TCP: closed unanswered');
  }
  // The same listener serves a node: what refused the others was the certificate check.
  const node = await GateLink.open(target('BROKER', { ca, cert: readFileSync(certs.serverKeystore),
    key: readFileSync(certs.serverKeystore) }), new GateMirror(new Map()));
  const answer = await node.request(versions);
  node.destroy();
  assert.notEqual(answer, 'closed');
  const keys = (decodeResponseFrame(ApiKey.apiVersions, 3, answer as Buffer)
    .body as ApiVersionsResponse).apiKeys.map((k) => k.apiKey);
  assert.ok(keys.includes(ApiKey.raftMessage), 'a node is offered Raft on BROKER');
  await waitFor('TLS refusals logged', () => broker.lines.some((l) =>
    l.includes('"listener":"BROKER"') && l.includes('"reason":"TLS:')) ? true : undefined, 10_000);
  t.diagnostic(JSON.stringify(sorted(outcomes)));
});

test(`${framesWanted} fuzz frames: an unauthenticated connection is served nothing ` +
  `(seed ${seed})`, { timeout: 3_600_000 }, async (t) => {
  const mark = broker.lines.length;
  const tally: Tally = { frames: 0, sent: 0, connections: 0, tlsConnections: 0,
    connectFailures: 0, answers: new Map(), causes: new Map(), refused: new Map(), plans: new Map(),
    violations: [] };
  const started = Date.now();
  const worker = async (index: number) => {
    const p = new Prng(seed * 31 + index);
    let c = corpus(p);
    // Bounded: each pass opens one connection; a run needs far fewer than framesWanted of them.
    for (let n = 0; tally.frames < framesWanted && n < framesWanted; n++) {
      if (p.chance(0.02)) c = corpus(p);
      await fuzzConnection(p, c, tally, `seed ${seed} worker ${index} connection ${n}`);
      if (tally.connectFailures > 100) throw new Error('over 100 connections failed');
    }
  };
  await Promise.all(Array.from({ length: workersCount }, (_, i) => worker(i)));
  const seconds = (Date.now() - started) / 1000;
  const figures = { seed, frames: tally.frames, sent: tally.sent, connections: tally.connections,
    tlsConnections: tally.tlsConnections, connectFailures: tally.connectFailures,
    seconds: Math.round(seconds), framesPerSecond: Math.round(tally.frames / seconds),
    answers: sorted(tally.answers), closes: sorted(tally.causes),
    refusedBeforeAuthentication: sorted(tally.refused), plans: sorted(tally.plans) };
  console.log(`security fuzz ${JSON.stringify(figures)}`);
  t.diagnostic(JSON.stringify(figures));
  assert.deepEqual(tally.violations, [], `replay: PADO_SEED=${seed}`);
  assert.equal(tally.connectFailures, 0);
  assert.ok(tally.frames >= framesWanted);
  // The broker's account of each close matches the wire's (its log is flushed asynchronously).
  const wire = sorted(wireCloses(tally));
  const deadline = Date.now() + 30_000;
  while (JSON.stringify(sorted(brokerCloses(mark))) !== JSON.stringify(wire) &&
    Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(sorted(brokerCloses(mark)), wire, `replay: PADO_SEED=${seed}`);
});

// ---- logged in ----

/** A connection logged in as alice (SCRAM, the client library's own login). */
async function loggedIn(listener: 'CLIENT' | 'SASL', mechanism: SaslCredentials['mechanism'],
  p: Prng): Promise<GateLink> {
  const link = await GateLink.open(listener === 'CLIENT' ? target('CLIENT', clientTls())
    : target('SASL'), new GateMirror(served, { credentialed: true }));
  let id = 0;
  const send = async (apiKey: number, version: number, msg: unknown) => {
    const answer = await link.request(stamped(frame(apiKey, version, msg), ++id));
    if (answer === 'closed') throw new Error('closed during the login');
    return decodeResponseFrame(apiKey, version, answer).body;
  };
  try {
    await saslLogin(send, { mechanism, username: 'alice', password }, seededRandom(p), listener);
  } catch (err) {
    link.destroy();
    throw err;
  }
  return link;
}

/** Every kind of frame only nodes send one another, named. */
function peerFrames(p: Prng): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  const term = 1_000_000;
  const raft: [string, Message][] = [
    ['heartbeat', { type: 'heartbeat', from: 2, to: nodeId, term, commit: 0, context: '' }],
    ['append', { type: 'append', from: 2, to: nodeId, term, index: 0, logTerm: term, commit: 1,
      entries: [{ index: 1, term, type: 'normal', data: Buffer.from('forged') }] }],
    ['vote', { type: 'vote', from: 2, to: nodeId, term, index: 1 << 20, logTerm: term,
      transfer: true }],
    ['timeoutNow', { type: 'timeoutNow', from: 2, to: nodeId, term }],
  ];
  for (const [name, m] of raft) {
    out.push({ name: `RaftMessage ${name}`, bytes: raftFrame(raftMessagesToWire(2, nodeId, [m])) });
  }
  out.push({ name: 'RaftMessage term 2^53-1',
    bytes: raftFrame(heartbeat(2, nodeId, 2 ** 53 - 1)) });
  out.push({ name: 'RaftMessage term bytes -1', bytes: rawTermFrame(2, nodeId, -1n) });
  const versions = (key: number) => {
    const info = apiTable.get(key)!;
    return [...new Set([info.minVersion, info.maxVersion])];
  };
  const overlays: [number, Record<string, unknown>][] = [
    [ApiKey.raftKv, { op: 1, key: 'k', value: Buffer.from('v') }],
    [ApiKey.brokerRegistration, { brokerId: 7, clusterId, rack: null,
      listeners: [{ name: 'BROKER', host: '127.0.0.1', port: 1, securityProtocol: 1 }] }],
    [ApiKey.brokerHeartbeat, { brokerId: nodeId, wantFence: true, wantShutDown: true }],
    [ApiKey.alterPartition, { brokerId: nodeId }],
    [ApiKey.allocateProducerIds, { brokerId: nodeId }],
    [ApiKey.connectCheck, { host: '127.0.0.1', port: listenerPort(broker, 'BROKER'),
      timeoutMs: 1000 }],
  ];
  for (const [key, overlay] of overlays) {
    for (const v of versions(key)) {
      out.push({ name: `${apiTable.get(key)!.name} v${v}`, bytes: filled(p, key, v, overlay) });
    }
  }
  const fetch = served.get(ApiKey.fetch)!;
  const epochs = served.get(ApiKey.offsetForLeaderEpoch)!;
  const fetchVersions = [fetch.min, 11, 12, 13, 15, fetch.max].filter((v) => v >= fetch.min);
  for (const v of new Set(fetchVersions)) {
    out.push({ name: `follower Fetch v${v}`, bytes: filled(p, ApiKey.fetch, v, { replicaId: 1,
      replicaState: { replicaId: 1, replicaEpoch: 1 }, maxWaitMs: 0, minBytes: 0 }) });
  }
  for (const v of new Set([Math.max(3, epochs.min), epochs.max])) {
    out.push({ name: `follower OffsetForLeaderEpoch v${v}`,
      bytes: filled(p, ApiKey.offsetForLeaderEpoch, v, { replicaId: 1 }) });
  }
  return out;
}

const peerOnly = [ApiKey.raftMessage, ApiKey.raftKv, ApiKey.brokerRegistration,
  ApiKey.brokerHeartbeat, ApiKey.alterPartition, ApiKey.allocateProducerIds, ApiKey.connectCheck];

test('logged in over SCRAM on either SASL listener, every forged peer frame closes the ' +
  'connection unanswered', async (t) => {
  for (const key of peerOnly) assert.equal(served.has(key), false, `api ${key} offered`);
  const p = new Prng(seed ^ 0x5a5a);
  const frames = peerFrames(p);
  const closes = new Map<string, number>();
  for (const listener of ['SASL', 'CLIENT'] as const) {
    for (const [i, f] of frames.entries()) {
      const link = await loggedIn(listener, i % 2 === 0 ? 'SCRAM-SHA-512' : 'SCRAM-SHA-256', p);
      // A probe before the forged frame is answered; the one after it is never read.
      assert.notEqual(await link.request(stamped(metadataProbe, 100)), 'closed');
      link.write([stamped(f.bytes, 101), stamped(metadataProbe, 102)]);
      const o = await link.finish();
      const what = `${f.name} on ${listener}`;
      assert.deepEqual(o.violations, [], what);
      assert.equal(o.state, 'authenticated', what);
      assert.equal(o.answers.get('Metadata'), 1, what);
      assert.equal(o.closed, 'broker', what);
      assert.ok(o.cause === 'unsupported api key' || o.cause === 'sent elsewhere',
        `${what}: ${o.cause}`);
      bump(closes, o.cause);
    }
  }
  t.diagnostic(`forged peer frames refused after a login: ${JSON.stringify(sorted(closes))}`);
});

test('afterwards nothing changed: topics, configs, groups, users, ACLs, brokers, the Raft ' +
  'leader and epoch; a SASL client still produces and consumes', async () => {
  assert.equal(broker.proc.exitCode, null, 'broker still running');
  assert.deepEqual(broker.lines.filter((l) => l.includes('request handler failed')), []);
  assert.deepEqual(await snapshot(), before0);
  const sasl = ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.caPem}`,
    '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=alice',
    '-X', `sasl.password=${password}`];
  const lines = Array.from({ length: 200 }, (_, i) => `after-fuzz-${i}`);
  const kcat = (args: string[], input?: string) => run('kcat', ['-b', address('CLIENT'), '-m',
    '30', ...sasl, ...args], input === undefined ? {} : { input });
  const produced = await kcat(['-P', '-t', 'after-fuzz', '-X', 'acks=all'],
    `${lines.join('\n')}\n`);
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await kcat(['-C', '-t', 'after-fuzz', '-o', 'beginning', '-e', '-q']);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.deepEqual(consumed.stdout.split('\n').filter((l) => l !== ''), lines);
});
