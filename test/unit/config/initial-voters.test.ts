// Proves initialVoters loads from the flag (`1@host:port,…`), the environment and a config file
// (an array of strings or objects, or one string), and that each mistake — a malformed entry, a
// bad port, a duplicate id, this node missing, too many voters — gives one friendly
// PADO_CONFIG_INVALID message naming initialVoters. Table tests over resolveNodeConfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPadoError } from '../../../src/common/index.js';
import {
  envLayer, flagLayer, parseConfigFile, resolveNodeConfig,
} from '../../../src/config/index.js';

const three = [
  { id: 1, host: '127.0.0.1', port: 9092 },
  { id: 2, host: '127.0.0.1', port: 9093 },
  { id: 3, host: 'b3.local', port: 9094 },
];

test('absent by default: single node without Raft', () => {
  assert.equal(resolveNodeConfig([]).initialVoters, undefined);
});

test('flag, env and file forms give the same voters', () => {
  const text = '1@127.0.0.1:9092,2@:9093,3@b3.local:9094';
  const fromFlag = resolveNodeConfig([flagLayer({ initialVoters: text })]);
  const fromEnv = resolveNodeConfig([envLayer({ PADO_INITIAL_VOTERS: text })]);
  const fromArray = resolveNodeConfig([parseConfigFile(JSON.stringify({
    initialVoters: ['1@127.0.0.1:9092', { id: 2, host: '127.0.0.1', port: 9093 },
      '3@b3.local:9094'],
  }), 'pado.json')]);
  const fromString = resolveNodeConfig([parseConfigFile(JSON.stringify({ initialVoters: text }),
    'pado.json')]);
  for (const config of [fromFlag, fromEnv, fromArray, fromString]) {
    assert.deepEqual(config.initialVoters, three);
  }
});

test('mistakes give one friendly message naming initialVoters', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['no id', () => flagLayer({ initialVoters: '127.0.0.1:9092' }), /not id@host:port/],
    ['no port', () => flagLayer({ initialVoters: '1@host' }), /not a host:port/],
    ['port range', () => resolveNodeConfig([flagLayer({ initialVoters: '1@h:70000' })]),
      /initialVoters\.0\.port/],
    ['duplicate', () => resolveNodeConfig([flagLayer({ initialVoters: '1@h:1,1@h:2' })]),
      /node 1 is listed twice/],
    ['self missing', () => resolveNodeConfig([flagLayer({ initialVoters: '2@h:1,3@h:2' })]),
      /this node \(1\) is not in \[2, 3\]/],
    ['too many', () => resolveNodeConfig([flagLayer({
      initialVoters: Array.from({ length: 8 }, (_, i) => `${i + 1}@h:${i + 1}`).join(','),
    })]), /initialVoters: .* is not a list of 1–7 voters/],
  ];
  for (const [label, run, message] of cases) {
    assert.throws(run, (e: unknown) => {
      assert.ok(isPadoError(e, 'PADO_CONFIG_INVALID'), `${label}: ${String(e)}`);
      assert.match(e.message, message, label);
      assert.match(e.message, /initialVoters/, label);
      return true;
    }, label);
  }
});
