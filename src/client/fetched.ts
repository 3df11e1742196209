/**
 * Walking the record batches of one fetched partition. A fetch response may end with a partial
 * batch (the broker cuts at partitionMaxBytes, as Kafka does); it is skipped and fetched again
 * from its base offset next time.
 */
import {
  batchLastOffset, batchSizeBytes, decodeRecords, isControlBatch, parseBatchHeader,
  type DecodedRecord,
} from '../protocol/records/index.js';
import { PadoError, PadoErrorCode } from '../common/index.js';

export interface FetchedRecords {
  /** Data records (control batches of transactions are skipped). */
  records: DecodedRecord[];
  /** Offset after the last whole batch, or null when no whole batch arrived. */
  nextOffset: number | null;
}

export function decodeFetchedRecords(buf: Buffer | null): FetchedRecords {
  const records: DecodedRecord[] = [];
  let nextOffset: number | null = null;
  let at = 0;
  // Bounded by the buffer: every pass advances `at` by a whole batch (at least its header).
  while (buf !== null && at < buf.length) {
    const parsed = parseBatchHeader(buf, at);
    if (!parsed.ok) break;
    const end = at + batchSizeBytes(parsed.header);
    if (end > buf.length) break;
    if (!isControlBatch(parsed.header.attributes)) {
      const decoded = decodeRecords(buf.subarray(at, end));
      if (!decoded.ok) {
        throw new PadoError(PadoErrorCode.protocolDecode,
          `fetched batch at offset ${parsed.header.baseOffset} is unreadable: ${decoded.message}`);
      }
      for (const record of decoded.records) records.push(record);
    }
    nextOffset = batchLastOffset(parsed.header) + 1;
    at = end;
  }
  return { records, nextOffset };
}
