/**
 * The pure parts of joining without IP lists (node/join.ts, node/address-check.ts,
 * node/raft-peers.ts), by table: which address a node advertises; when a loopback address is
 * refused and what the refusal messages tell the operator to set; the learner → voter catch-up
 * rule and the one-change-at-a-time admission steps up to votersMax; which voter may be demoted;
 * which member's second join is refused (the same id on another disk) and how directory ids travel;
 * replicated endpoints in and out of a metadata image; and the address book the transport reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRecords, emptyImage } from '../../../src/metadata/index.js';
import {
  chooseAdvertised, isLoopback, loopbackProblem, plainAddress, unreachableMessage,
  wrongNodeMessage,
} from '../../../src/node/address-check.js';
import {
  endpointRecords, learnerCaughtUp, learnPeers, nextMembershipStep, parseEndpoint,
  raftDirectoryRecords, raftEndpointRecord, raftEndpoints, removalProblem, replacedMemberProblem,
  untilLeaderMoves, type JoinOptions,
} from '../../../src/node/join.js';
import { systemClock } from '../../../src/node/io/system-clock.js';
import { zeroUuid } from '../../../src/protocol/index.js';
import { RaftPeers } from '../../../src/node/raft-peers.js';

test('loopback and IPv4-mapped addresses are recognised', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) {
    assert.ok(isLoopback(h), h);
  }
  for (const h of ['10.0.0.2', '192.168.1.5', 'broker1.example.com', '::ffff:10.0.0.2']) {
    assert.ok(!isLoopback(h), h);
  }
  assert.equal(plainAddress('::ffff:10.0.0.2'), '10.0.0.2');
  assert.equal(plainAddress('fe80::1'), 'fe80::1');
});

test('advertised: configured, else detected on a wildcard listener, else the listener', () => {
  const listener = { host: '0.0.0.0', port: 9093 };
  assert.deepEqual(chooseAdvertised({ host: 'b2.lan', port: 19093 }, listener, '10.0.0.2'),
    { host: 'b2.lan', port: 19093 });
  assert.deepEqual(chooseAdvertised(undefined, listener, '::ffff:10.0.0.2'),
    { host: '10.0.0.2', port: 9093 });
  // Bound to one address: that is the only one peers can use, whatever the route says.
  assert.deepEqual(chooseAdvertised(undefined, { host: '127.0.0.1', port: 9093 }, '10.0.0.2'),
    { host: '127.0.0.1', port: 9093 });
  assert.deepEqual(chooseAdvertised(undefined, listener, undefined), listener);
});

test('a loopback address is refused only when the peer is on another machine', () => {
  const local = { host: '127.0.0.1', port: 9093 };
  assert.equal(loopbackProblem(2, local, '127.0.0.1'), undefined);
  assert.equal(loopbackProblem(2, { host: '10.0.0.2', port: 9093 }, '10.0.0.1'), undefined);
  const problem = loopbackProblem(2, local, '10.0.0.1');
  assert.ok(problem !== undefined);
  assert.match(problem, /node 2 advertised 127\.0\.0\.1:9093, a loopback address/);
  assert.match(problem, /set advertised/);
  assert.match(problem, /--listen 0\.0\.0\.0/);
});

test('refusal messages say what happened and what to set', () => {
  const a = { host: '127.0.0.1', port: 9093 };
  assert.equal(unreachableMessage(2, a, 'ECONNREFUSED'),
    'node 2 advertised 127.0.0.1:9093 but I cannot connect to it from here (ECONNREFUSED); ' +
    'set advertised (config file: "advertised": "<host>:<port>") to an address the other nodes ' +
    'can reach');
  assert.match(wrongNodeMessage(2, a, 3), /node 3 answers there; give each node its own port/);
  assert.match(unreachableMessage(2, { host: 'fe80::1', port: 9 }, 'x'), /\[fe80::1\]:9/);
});

test('a learner is caught up within lagEntriesMax of the leader, never with nothing', () => {
  assert.equal(learnerCaughtUp(0, 0, 64), false);
  assert.equal(learnerCaughtUp(100, 164, 64), true);
  assert.equal(learnerCaughtUp(100, 165, 64), false);
  assert.equal(learnerCaughtUp(200, 200, 0), true);
});

test('admission: learner first, voter once caught up, observer beyond votersMax', () => {
  const rows: [number[], number[], number, boolean, string][] = [
    // voters, learners, votersMax, caughtUp → step
    [[1], [], 3, false, 'addLearner'],
    [[1], [2], 3, false, 'waitCatchUp'],
    [[1], [2], 3, true, 'addVoter'],
    [[1, 2], [], 3, false, 'voter'],
    [[1, 3], [2], 3, true, 'addVoter'],
    [[1, 2, 3], [4], 3, true, 'observer'],
    [[1, 2, 3], [4], 5, true, 'addVoter'],
    [[1, 2, 3, 4, 5], [6], 5, true, 'observer'],
  ];
  for (const [voters, learners, max, caughtUp, want] of rows) {
    const conf = { voters, learners };
    const id = learners[0] ?? 2;
    const why = JSON.stringify({ conf, id, max });
    assert.equal(nextMembershipStep(conf, id, max, caughtUp), want, why);
  }
});

test('demotion: only a voter, never the last one, never the active controller', () => {
  const conf = { voters: [1, 2, 3], learners: [4] };
  assert.equal(removalProblem(conf, 2, 1), undefined);
  assert.match(removalProblem(conf, 4, 1) ?? '', /node 4 is not a voter \(voters: 1, 2, 3\)/);
  assert.match(removalProblem(conf, 1, 1) ?? '', /active controller; stop it/);
  assert.match(removalProblem({ voters: [1], learners: [] }, 1, 2) ?? '', /last voter/);
});

test('endpoints travel as broker config records and come back out of the image', () => {
  assert.deepEqual(parseEndpoint('10.0.0.2:9093'), { host: '10.0.0.2', port: 9093 });
  assert.deepEqual(parseEndpoint('[fe80::1]:9093'), { host: 'fe80::1', port: 9093 });
  for (const bad of ['10.0.0.2', ':9093', 'h:0', 'h:70000', 'h:x']) {
    assert.equal(parseEndpoint(bad), undefined, bad);
  }
  const peers = [{ id: 1, host: '10.0.0.1', port: 9092 }, { id: 2, host: 'fe80::1', port: 9093 }];
  let image = applyRecords(emptyImage(''), peers.map(raftEndpointRecord));
  assert.deepEqual(raftEndpoints(image).sort((a, b) => a.id - b.id), peers);
  // Nothing to write when the image already holds them; only the changed one otherwise.
  assert.deepEqual(endpointRecords(image, peers), []);
  const moved = { id: 2, host: '10.0.0.2', port: 9093 };
  assert.deepEqual(endpointRecords(image, [peers[0]!, moved]), [raftEndpointRecord(moved)]);
  image = applyRecords(image, [{ type: 'config', resourceType: 'broker', resourceName: '',
    name: 'raft.endpoint.x', value: 'h:1' }]);
  assert.equal(raftEndpoints(image).length, 2, 'a malformed key is ignored');
});

test('address book: replicated endpoints override, brokers fill gaps, changes are heard', () => {
  const book = new RaftPeers([{ id: 1, host: '127.0.0.1', port: 9092 }]);
  const heard: string[] = [];
  book.onChange((id, p) => heard.push(`${id}=${p === undefined ? '-' : `${p.host}:${p.port}`}`));
  const image = applyRecords(emptyImage(''), [
    raftEndpointRecord({ id: 2, host: '10.0.0.2', port: 9093 }),
    raftEndpointRecord({ id: 5, host: '10.0.0.5', port: 9092 }),
    { type: 'registerBroker', brokerId: 1, incarnationId: 'a', host: '10.0.0.1', port: 9092,
      rack: null, brokerEpoch: 1 },
    { type: 'registerBroker', brokerId: 3, incarnationId: 'b', host: '10.0.0.3', port: 9094,
      rack: null, brokerEpoch: 2 },
  ]);
  learnPeers(book, image, 5);
  assert.deepEqual(heard, ['2=10.0.0.2:9093', '3=10.0.0.3:9094']);
  assert.equal(book.get(1)?.host, '127.0.0.1', 'a broker registration does not override');
  assert.equal(book.get(5), undefined, 'never itself');
  learnPeers(book, image, 5);
  assert.equal(heard.length, 2, 'no change, nothing heard');
  book.remove(3);
  assert.deepEqual(heard.at(-1), '3=-');
});

test('a member that joins again with another directory (its disk replaced) is refused, saying how ' +
  'to take the old one out; a retry, a newcomer, a decommissioned id and a zero id pass', () => {
  const conf = { voters: [1, 2, 3], learners: [4] };
  const old = 'b2xkLWRpcmVjdG9yeS1pZA';
  const fresh = 'bmV3LWRpcmVjdG9yeS1pZA';
  assert.match(replacedMemberProblem(conf, 2, old, fresh) ?? '',
    /node 2 is already a voter of the metadata quorum with another data directory .*pado cluster decommission 2/);
  assert.match(replacedMemberProblem(conf, 4, old, fresh) ?? '', /node 4 is already an observer/);
  assert.equal(replacedMemberProblem(conf, 2, old, old), undefined, 'the same node retrying');
  assert.equal(replacedMemberProblem(conf, 5, old, fresh), undefined, 'not a member (decommissioned)');
  assert.equal(replacedMemberProblem(conf, 2, undefined, fresh), undefined, 'joined before directory ids');
  assert.equal(replacedMemberProblem(conf, 2, old, zeroUuid), undefined, 'a joiner without a directory id');
});

test('directory ids travel as broker config records, once, never the zero id', () => {
  const records = raftDirectoryRecords(emptyImage('c'), 2, 'ZGlyLWlkLW9mLW5vZGUtMg');
  assert.deepEqual(records, [{ type: 'config', resourceType: 'broker', resourceName: '',
    name: 'raft.directory.2', value: 'ZGlyLWlkLW9mLW5vZGUtMg' }]);
  const image = applyRecords(emptyImage('c'), records);
  assert.deepEqual(raftDirectoryRecords(image, 2, 'ZGlyLWlkLW9mLW5vZGUtMg'), []);
  assert.equal(raftDirectoryRecords(image, 2, 'b3RoZXItZGlyZWN0b3J5LWk').length, 1);
  assert.deepEqual(raftDirectoryRecords(emptyImage('c'), 3, zeroUuid), []);
  assert.deepEqual(raftDirectoryRecords(emptyImage('c'), 3, null), []);
});

test('a join waiting on a controller that is replaced (its Raft follows another leader) gives up ' +
  'at once to ask again; an answer that comes is returned (sim seed 237)', async () => {
  const leaders = [0, 3, 3, 2].map((leaderId) => ({ leaderId, term: 4 }));
  let calls = 0;
  const o = { clock: systemClock, raftLeader: () => leaders[Math.min(calls++, leaders.length - 1)]! } as
    unknown as JoinOptions;
  const never = new Promise<string>(() => undefined);
  assert.equal(await untilLeaderMoves(o, never), 'leader moved');
  assert.equal(calls, 4, 'none, then 3 (followed), still 3, then 2: moved');
  const stay = { clock: systemClock, raftLeader: () => ({ leaderId: 3, term: 4 }) } as unknown as JoinOptions;
  assert.equal(await untilLeaderMoves(stay, Promise.resolve('admitted'), 4), 'admitted');
});

test('a join asked in term 4 gives up when its Raft first follows a leader of term 5, even the same ' +
  'node rebooted (sim seed 237 on 4f6510a); the leader of the term it asked in is waited for', async () => {
  const seen = [0, 0, 3].map((leaderId) => ({ leaderId, term: leaderId === 0 ? 0 : 5 }));
  let calls = 0;
  const o = { clock: systemClock, raftLeader: () => seen[Math.min(calls++, seen.length - 1)]! } as
    unknown as JoinOptions;
  assert.equal(await untilLeaderMoves(o, new Promise<string>(() => undefined), 4), 'leader moved');
  assert.equal(calls, 3, 'no leader, no leader, then node 3 in term 5');
  // The same node in the term asked in: the answer is awaited.
  let answered = (_: string): void => undefined;
  const answer = new Promise<string>((resolve) => { answered = resolve; });
  const same = { clock: systemClock, raftLeader: () => ({ leaderId: 3, term: 4 }) } as unknown as JoinOptions;
  const result = untilLeaderMoves(same, answer, 4);
  await new Promise((resolve) => setTimeout(resolve, 700));
  answered('admitted');
  assert.equal(await result, 'admitted');
});
