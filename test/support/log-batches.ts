/**
 * Every whole batch of a partition log from its start to its end, read through `PartitionLog.read`
 * (as a consumer would), with its parsed header; the simulations check what a recovered log holds.
 */
import assert from 'node:assert/strict';
import {
  batchLogOverheadBytes, parseBatchHeader, type BatchHeader,
} from '../../src/protocol/records/index.js';
import type { PartitionLog } from '../../src/storage/index.js';

export async function logBatches(log: PartitionLog): Promise<{ header: BatchHeader; bytes: Buffer }[]> {
  const out: { header: BatchHeader; bytes: Buffer }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = await log.read(offset, 64 * 1024, log.logEndOffset);
    assert.equal(read.kind, 'records');
    if (read.kind !== 'records' || read.records.length === 0) break;
    let at = 0;
    while (at < read.records.length) {
      const parsed = parseBatchHeader(read.records, at);
      assert.ok(parsed.ok, 'the log holds only whole, valid batches');
      const h = parsed.header;
      const size = h.batchLength + batchLogOverheadBytes;
      out.push({ header: h, bytes: read.records.subarray(at, at + size) });
      offset = h.baseOffset + h.lastOffsetDelta + 1;
      at += size;
    }
  }
  return out;
}
