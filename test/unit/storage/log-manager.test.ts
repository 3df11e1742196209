/**
 * Proves the log manager finds every `<topic>-<partition>` directory at start, creates and deletes
 * partitions, runs retention across them, and closes them so a restart sees the same logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, validateBatches } from '../../../src/protocol/records/index.js';
import { type LogConfig, logConfigDefaults, LogManager } from '../../../src/storage/index.js';
import { storageIo } from '../../support/storage-io.js';

const config: LogConfig = { ...logConfigDefaults, segmentBytes: 4096, retentionBytes: 8192, diskReserveBytes: 0 };

test('opens, creates, deletes, applies retention, and reopens partitions', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pado-data-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const options = { diskReserveBytes: 0, configFor: () => config, measureFreeBytes: async () => 1e12 };
  const manager = await LogManager.open(dataDir, storageIo, options);
  const log = await manager.getOrCreate('orders', 0, config);
  await manager.getOrCreate('orders', 1, config);
  await manager.getOrCreate('gone', 0, config);
  for (let i = 0; i < 100; i++) {
    const records = buildBatch({ records: [{ key: null, value: Buffer.alloc(200), timestamp: i }], compression: 'none' });
    const result = validateBatches(records);
    assert.ok(result.ok);
    await log.append(records, result.batches, 0, i).durable;
  }
  assert.ok((await manager.runRetention(1000)) > 0);
  assert.ok(log.sizeBytes <= 8192 + 4096);
  await manager.deletePartition('gone', 0);
  assert.deepEqual((await readdir(dataDir)).sort(), ['orders-0', 'orders-1']);
  await manager.close();
  const again = await LogManager.open(dataDir, storageIo, options);
  assert.equal(again.get('orders', 0)?.logEndOffset, 100);
  assert.equal(again.get('orders', 1)?.logEndOffset, 0);
  assert.equal(again.get('gone', 0), undefined);
  await again.close();
});
