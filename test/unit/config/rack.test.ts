/**
 * The node's rack (broker.rack) comes from --rack, PADO_RACK or the config file (also under Kafka's
 * key), flags winning; an empty or over-long rack is refused naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNodeConfig } from '../../../src/config/index.js';

const noFile = (): string => {
  throw new Error('no file');
};

test('rack from flag, env and file, flags first', () => {
  assert.equal(loadNodeConfig({ flags: { rack: 'shelf-1' }, env: {} }, noFile).rack, 'shelf-1');
  assert.equal(loadNodeConfig({ flags: {}, env: { PADO_RACK: 'room-b' } }, noFile).rack, 'room-b');
  assert.equal(loadNodeConfig({ flags: { rack: 'a' }, env: { PADO_RACK: 'b' } }, noFile).rack, 'a');
  const fromFile = loadNodeConfig({ flags: { config: 'x.json' }, env: {} }, () => '{"broker.rack": "pi"}');
  assert.equal(fromFile.rack, 'pi');
  assert.equal(loadNodeConfig({ flags: {}, env: {} }, noFile).rack, undefined);
});

test('an empty rack is refused naming the field', () => {
  assert.throws(() => loadNodeConfig({ flags: { rack: '' }, env: {} }, noFile), /rack/);
});
