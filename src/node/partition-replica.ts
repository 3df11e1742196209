/**
 * A partition this node leads: the Kafka-facing checks around its log. Produce validates the batch
 * (CRC32C, size, one batch per request as Kafka requires from v3, idempotent sequence), appends it
 * (offsets assigned in place, bytes stored as sent), and answers once the append is durable.
 * Nothing is changed by a request that fails a check. On one node the high watermark is the
 * durable end of the log: what has been fsynced (or written, when flush.durable=false).
 */
import type { Logger } from 'pino';
import { isPadoError, PadoErrorCode } from '../common/index.js';
import { KafkaError } from '../protocol/index.js';
import {
  isControlBatch,
  isLogAppendTime,
  isTransactional,
  validateBatches,
  type BatchHeader,
} from '../protocol/records/index.js';
import { lastSequenceOf } from '../partitions/index.js';
import type {
  LocalPartition, ProduceOutcome, ReadOutcome, ReplicaReadOutcome,
} from '../server/index.js';
import type { PartitionLog } from '../storage/index.js';

export class PartitionReplica implements LocalPartition {
  readonly topic: string;
  readonly partition: number;
  private epoch = -1;
  readonly log: PartitionLog;
  private readonly logger: Logger;
  private readonly onAdvance: (replica: PartitionReplica) => void;
  /** Resolves when everything appended so far is durable (appends become durable in order). */
  private lastDurable: Promise<void> = Promise.resolve();
  maxMessageBytes: number;

  constructor(opts: {
    topic: string;
    partition: number;
    leaderEpoch: number;
    log: PartitionLog;
    logger: Logger;
    maxMessageBytes: number;
    onAdvance: (replica: PartitionReplica) => void;
  }) {
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.log = opts.log;
    this.logger = opts.logger;
    this.maxMessageBytes = opts.maxMessageBytes;
    this.onAdvance = opts.onAdvance;
    this.lead(opts.leaderEpoch);
  }

  get leaderEpoch(): number {
    return this.epoch;
  }

  /**
   * Leads in `leaderEpoch` from now on. A newer epoch starts at the log end in the epoch cache
   * (KIP-101), so OffsetForLeaderEpoch tells a follower where the previous epoch ended here even
   * before this leader appends. Replication's LeaderReplica takes this over (it assigns the epoch
   * itself and asserts it is new): replace this assignment when wiring it.
   */
  lead(leaderEpoch: number): void {
    this.epoch = leaderEpoch;
    const epochs = this.log.leaderEpochs;
    if (leaderEpoch <= epochs.latestEpoch) return;
    epochs.assign(leaderEpoch, this.log.logEndOffset);
    this.log.checkpointLeaderEpochs();
  }

  /** OffsetForLeaderEpoch: where `epoch` (or the newest one before it) ends in this log. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.log.leaderEpochs.endOffsetFor(epoch, this.log.logEndOffset);
  }

  logStartOffset(): number {
    return this.log.logStartOffset;
  }

  logEndOffset(): number {
    return this.log.logEndOffset;
  }

  highWatermark(): number {
    return this.log.durableEndOffset;
  }

  async produce(records: Buffer, nowMs: number): Promise<ProduceOutcome> {
    const checked = validateBatches(records, { batchBytesMax: this.maxMessageBytes });
    if (!checked.ok) {
      const error = checked.error === 'tooLarge' ? KafkaError.messageTooLarge : KafkaError.corruptMessage;
      return this.failure(error, checked.message);
    }
    const batch = checked.batches[0] as BatchHeader;
    if (checked.batches.length !== 1) {
      return this.failure(KafkaError.invalidRecord, 'a produce request must carry exactly one batch per partition');
    }
    if (isTransactional(batch.attributes) || isControlBatch(batch.attributes)) {
      return this.failure(KafkaError.invalidRecord, 'transactional and control batches are not supported yet');
    }
    const lastSeq = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta);
    const state = this.log.producerState.check(batch.producerId, batch.producerEpoch, batch.baseSequence, lastSeq);
    if (state.kind === 'duplicate') {
      // The original may still be waiting for its fsync: answer once it is durable.
      await this.lastDurable;
      return this.success(state.baseOffset, -1);
    }
    if (state.kind === 'error') return this.failure(producerError(state.error), `producer ${batch.producerId}: ${state.error}`);
    return this.append(records, checked.batches, batch, nowMs);
  }

  /** The log records the producer state of what it appends (and rebuilds it after a failed write). */
  private async append(records: Buffer, batches: BatchHeader[], batch: BatchHeader, nowMs: number) {
    let appended;
    try {
      appended = this.log.append(records, batches, this.leaderEpoch, nowMs);
    } catch (err) {
      return this.storageFailure(err);
    }
    const durable = appended.durable;
    this.lastDurable = durable.catch(() => undefined);
    try {
      await durable;
    } catch (err) {
      return this.storageFailure(err);
    }
    this.onAdvance(this);
    const appendTime = isLogAppendTime(batch.attributes) ? appended.logAppendTimeMs : -1;
    return this.success(appended.baseOffset, appendTime);
  }

  async read(fetchOffset: number, maxBytes: number): Promise<ReadOutcome> {
    const hw = this.highWatermark();
    const base = { errorCode: 0, highWatermark: hw, logStartOffset: this.logStartOffset(), records: null };
    if (fetchOffset < this.logStartOffset() || fetchOffset > hw) {
      return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    }
    if (fetchOffset === hw) return base;
    const result = await this.log.read(fetchOffset, maxBytes, hw);
    if (result.kind === 'offsetOutOfRange') return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    return { ...base, records: result.records.length > 0 ? result.records : null };
  }

  async readAsReplica(fetchOffset: number, lastFetchedEpoch: number, maxBytes: number):
    Promise<ReplicaReadOutcome> {
    const base = { errorCode: 0, highWatermark: this.highWatermark(),
      logStartOffset: this.logStartOffset(), records: null, divergingEpoch: null };
    if (lastFetchedEpoch >= 0) {
      // KIP-595: the follower's last epoch must end here at or after its fetch offset.
      const end = this.log.leaderEpochs.endOffsetFor(lastFetchedEpoch, this.log.logEndOffset);
      if (end.epoch !== lastFetchedEpoch || end.endOffset < fetchOffset) {
        return { ...base, divergingEpoch: end };
      }
    }
    const result = await this.log.read(fetchOffset, maxBytes, Number.MAX_SAFE_INTEGER);
    if (result.kind === 'offsetOutOfRange') {
      return { ...base, errorCode: KafkaError.offsetOutOfRange.code };
    }
    return { ...base, records: result.records.length > 0 ? result.records : null };
  }

  async offsetForTimestamp(timestampMs: number) {
    return this.log.offsetForTimestamp(timestampMs);
  }

  async deleteRecords(offset: number): Promise<{ errorCode: number; lowWatermark: number }> {
    if (offset > this.highWatermark() || offset < 0) {
      return { errorCode: KafkaError.offsetOutOfRange.code, lowWatermark: -1 };
    }
    try {
      await this.log.deleteRecordsBefore(offset);
    } catch (err) {
      this.logger.warn({ err }, 'delete records failed');
      return { errorCode: KafkaError.kafkaStorageError.code, lowWatermark: -1 };
    }
    return { errorCode: 0, lowWatermark: this.logStartOffset() };
  }

  private success(baseOffset: number, logAppendTimeMs: number): ProduceOutcome {
    return { errorCode: 0, errorMessage: null, baseOffset, logAppendTimeMs, logStartOffset: this.logStartOffset() };
  }

  private failure(error: { code: number }, message: string): ProduceOutcome {
    return { errorCode: error.code, errorMessage: message, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
  }

  private storageFailure(err: unknown): ProduceOutcome {
    const full = isPadoError(err, PadoErrorCode.diskFull);
    if (full) this.logger.warn({ err: (err as Error).message }, 'produce refused: disk full');
    else this.logger.error({ err }, 'append failed');
    const message = full
      ? 'the broker disk is full (below its free-space reserve); producing resumes when space returns'
      : 'the broker could not write this partition';
    return this.failure(KafkaError.kafkaStorageError, message);
  }
}

function producerError(error: 'outOfOrderSequence' | 'invalidProducerEpoch' | 'unknownProducerId') {
  switch (error) {
    case 'outOfOrderSequence':
      return KafkaError.outOfOrderSequenceNumber;
    case 'invalidProducerEpoch':
      return KafkaError.invalidProducerEpoch;
    case 'unknownProducerId':
      return KafkaError.unknownProducerId;
  }
}
