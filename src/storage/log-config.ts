/** Per-partition log configuration, Kafka topic-config semantics in camelCase. */
import { limits, PadoError, PadoErrorCode } from '../common/index.js';

export interface LogConfig {
  /** segment.bytes: roll the active segment before it would exceed this. */
  readonly segmentBytes: number;
  /** segment.ms: roll the active segment once it has taken appends for this long. */
  readonly segmentMs: number;
  /**
   * retention.bytes: delete the oldest segments while the log stays at least this big; -1 keeps
   * all.
   */
  readonly retentionBytes: number;
  /** retention.ms: delete segments whose newest timestamp is older than this; -1 keeps all. */
  readonly retentionMs: number;
  /**
   * true: an append is acknowledged after an fsync covers it. false: once written (flush.messages).
   */
  readonly durable: boolean;
  /** max.message.bytes: the largest batch accepted. */
  readonly maxMessageBytes: number;
  /** Free bytes below which appends are refused with PADO_DISK_FULL. */
  readonly diskReserveBytes: number;
}

export const logConfigDefaults: LogConfig = {
  segmentBytes: limits.segmentBytesDefault,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  durable: true,
  maxMessageBytes: limits.messageBytesMaxDefault,
  diskReserveBytes: limits.diskReserveBytesDefault,
};

/** Smallest segment.bytes Kafka accepts (LogConfig: at least one legacy record overhead). */
const segmentBytesMin = 14;
/** Positions in the offset index are u32, so a segment cannot grow past 4 GiB. */
const segmentBytesMax = 0xffff_ffff;

export function checkLogConfig(config: LogConfig): void {
  const problems: string[] = [];
  const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}: ${value} is not an integer in ${min}..${max}`);
    }
  };
  integer('segment.bytes', config.segmentBytes, segmentBytesMin, segmentBytesMax);
  integer('segment.ms', config.segmentMs, 1);
  integer('retention.bytes', config.retentionBytes, -1);
  integer('retention.ms', config.retentionMs, -1);
  integer('max.message.bytes', config.maxMessageBytes, 0, limits.requestBytesMax);
  integer('disk reserve bytes', config.diskReserveBytes, 0);
  if (problems.length > 0) {
    throw new PadoError(PadoErrorCode.configInvalid, `log config: ${problems.join('; ')}`);
  }
}
