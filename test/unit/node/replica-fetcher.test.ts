/**
 * The follower fetch size rule: a partition gets an even share of the response, at least the
 * per-partition minimum, never more than the response — so a lone busy partition can take the
 * whole 8 MiB (and catch up with a leader that grows by more than 1 MiB per fetch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shareOf } from '../../../src/node/replica-fetcher.js';

const MiB = 1024 * 1024;

test('each partition gets an even share of the response, within [min, response]', () => {
  assert.equal(shareOf(1, 8 * MiB, MiB), 8 * MiB, 'alone: the whole response');
  assert.equal(shareOf(2, 8 * MiB, MiB), 4 * MiB);
  assert.equal(shareOf(3, 8 * MiB, MiB), Math.floor(8 * MiB / 3));
  assert.equal(shareOf(8, 8 * MiB, MiB), MiB);
  assert.equal(shareOf(100, 8 * MiB, MiB), MiB, 'never below the minimum');
  assert.equal(shareOf(0, 8 * MiB, MiB), 8 * MiB);
  assert.equal(shareOf(1, MiB / 2, MiB), MiB / 2, 'never above the response');
});
