/** RecordBatch v2: header parsing and rewriting, validation, and a small client-side codec. */
export {
  type BatchHeader,
  type HeaderResult,
  type RecordsErrorKind,
  type RecordsFailure,
  BatchField,
  batchCompression,
  attributeEncryptedAtRest,
  batchCrcStart,
  batchHeaderBytes,
  batchLastOffset,
  batchLogOverheadBytes,
  batchMagic,
  batchSizeBytes,
  CompressionCodec,
  isControlBatch,
  isLogAppendTime,
  isTransactional,
  parseBatchHeader,
  readInt64,
  rewriteBatchHeader,
  writeInt64,
} from './batch-header.js';
export {
  type ValidateOptions,
  type ValidateResult,
  recordBytesMin,
  recordsPerBatchMax,
  validateBatches,
  validateOneBatch,
} from './validate.js';
export { type Codec, registerCodec } from './codecs.js';
export { type BuildBatchInput, type RecordHeader, type RecordInput, buildBatch } from './build.js';
export {
  type DecodedHeader,
  type DecodedRecord,
  type DecodeResult,
  decodeRecords,
} from './decode.js';
