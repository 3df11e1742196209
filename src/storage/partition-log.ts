/**
 * The log of one partition: a directory of segments named by base offset. Appends assign offsets
 * synchronously and are written later, in order, by one writer per partition; everything appended
 * in one turn of the event loop is written together and shares one fsync per file (group commit,
 * DESIGN.md "Data flow"). Reads go through the sparse offset index to a file range.
 *
 * Invariants: logStartOffset ≤ durableEndOffset ≤ writtenEndOffset ≤ logEndOffset;
 * segments are sorted by base offset and only the last one takes appends; the HW checkpoint is
 * never written above the durable end and never left above the log end by a truncation.
 *
 * Damage (log-damage.ts): a batch that fails its checks or offsets no file holds, found at open,
 * by the scrubber or by a read. The log remembers the lowest, never serves a bad batch (a read
 * that would start with one returns `damaged`), and forgets it once a truncation removes it.
 */
import { assert, isPadoError, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import { type EpochEntry, LeaderEpochCache, ProducerState } from '../partitions/index.js';
import {
  type BatchHeader,
  batchLogOverheadBytes,
  rewriteBatchHeader,
} from '../protocol/records/index.js';
import { DiskSpaceGuard } from './disk-space.js';
import { readHighWatermark, writeHighWatermark } from './high-watermark-file.js';
import { loadLeaderEpochs, writeLeaderEpochs } from './leader-epoch-file.js';
import { type FsOps, isDiskFullError, type StorageIo } from './fs-ops.js';
import { checkLogConfig, type LogConfig } from './log-config.js';
import { type LogDamage, lowerDamage } from './log-damage.js';
import { writeLogStartOffset, writeSnapshot } from './log-files.js';
import {
  loadPartition,
  rebuildProducerState,
  recordProducerBatch,
  removeSnapshotsAbove,
  removeSnapshotsBefore,
} from './log-loader.js';
import { LogEncryption, type SealPlan } from './log-encryption.js';
import { findOffsetForTimestamp, locateBatch, readBatches, type ReadResult } from './log-reader.js';
import { Segment } from './segment.js';

export interface PartitionLogOptions {
  /** Shared per data directory by the log manager; a private one is made when absent. */
  readonly diskGuard?: DiskSpaceGuard;
  /**
   * The last run closed the log cleanly (the log manager's marker): recovery then skips the CRC
   * check of sealed data beyond the HW checkpoint. Absent: treated as unclean.
   */
  readonly cleanShutdown?: boolean;
}

export interface AppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** -1: batches keep their CreateTime timestamps. */
  readonly logAppendTimeMs: number;
  /**
   * Resolves once the batches are fsynced (or written, with durable: false); rejects on failure.
   */
  readonly durable: Promise<void>;
}

/** Appended batches waiting for the writer: one item per batch, plus segment rolls in order. */
type PendingItem =
  | {
      readonly kind: 'batch';
      readonly segment: Segment;
      readonly position: number;
      /** The batch as appended (plaintext when `seal` is set). */
      readonly bytes: Buffer;
      /** Encryption at rest: the writer stores `bytes` sealed under this plan. */
      readonly seal: SealPlan | undefined;
      readonly nextOffset: number;
    }
  | {
      readonly kind: 'roll';
      readonly sealed: Segment;
      readonly created: Segment;
      readonly snapshot: Buffer;
    }
  /** A leader-epoch checkpoint, written before the batches that follow it (they may use it). */
  | { readonly kind: 'epochs'; readonly entries: readonly EpochEntry[] }
  /** The partition's key file (at-rest encryption), written before the batches using its keys. */
  | { readonly kind: 'keys'; readonly path: string; readonly bytes: Buffer };

interface PendingAck {
  readonly nextOffset: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Appends waiting for the writer; a bound on memory, far above what group commit gathers. */
export const pendingBatchesMax = 100_000;

export class PartitionLog {
  readonly dir: string;
  private currentConfig: LogConfig;
  readonly producerState = new ProducerState();
  /**
   * Called after appended bytes reach the file (before their fsync): followers read written
   * bytes, so their long polls wait for this, not for the append (nothing readable yet).
   */
  onWritten: () => void = () => undefined;
  /**
   * Called when a failed write was rolled back: the log now ends at `endOffset`, below offsets it
   * handed out. A leader follows at once — waiting for its next append would wait forever when no
   * append comes (its followers cannot reach the end it remembers, so its ISR shrinks, and below
   * min.insync.replicas nothing is appended again).
   */
  onRolledBack: (endOffset: number) => void = () => undefined;
  /**
   * Called when damage is found that lies below any known before (at open it is only stored:
   * read `damage` after opening). Called synchronously from the finder; must not throw.
   */
  onDamage: (damage: LogDamage) => void = () => undefined;
  /** The lowest damaged range known and not yet truncated away. */
  private damageValue: LogDamage | undefined;
  /**
   * Epoch → start offset of this log (KIP-101), shared with the replica state machines, which
   * assign and cut epochs in it; this log persists it in order with the batches.
   */
  private epochs = new LeaderEpochCache();
  /** What the checkpoint holds (or a queued write will): the cache's length and last entry. */
  private checkpointedEpochCount = 0;
  private checkpointedLastEpoch: EpochEntry | undefined;
  /**
   * The HW checkpoint (high-watermark-file.ts): what the file holds, undefined when missing or
   * unknown (a write failed midway). `hwFileMax` bounds what it may hold (-1: nothing), so a
   * truncation below it rewrites the file before any later batch can land above the cut.
   */
  private hwWritten: number | undefined;
  private hwFileMax = -1;
  /**
   * Serialises HW checkpoint writes apart from `tail`: a timer's write (three fsyncs) must not
   * hold up group commit on the append path; truncation waits for it from inside `tail`.
   */
  private hwTail: Promise<void> = Promise.resolve();
  private readonly fs: FsOps;
  private readonly clock: Clock;
  private readonly io: StorageIo;
  /** Data keys and decryption (log-encryption.ts); plaintext passes through when off. */
  private encryption!: LogEncryption;
  private readonly diskGuard: DiskSpaceGuard;
  /** Sorted by base offset; never empty; the last one is active. */
  private segments: Segment[] = [];
  private startOffset = 0;
  private endOffset = 0;
  private writtenEnd = 0;
  private durableEnd = 0;
  /** Bytes recovery cut from a torn or corrupt tail when this log was opened (0: clean). */
  private truncatedAtOpen = 0;
  private pending: PendingItem[] = [];
  private pendingAcks: PendingAck[] = [];
  private flushScheduled = false;
  /**
   * Write/fsync pipelining: a write does not wait for the previous fsync. Acks whose bytes are
   * written wait in `awaitingSync` for an fsync that starts after their write completed; files
   * written since the last fsync are in `unsynced`. Invariant: every ack in awaitingSync has
   * nextOffset ≤ writtenEnd.
   */
  private awaitingSync: PendingAck[] = [];
  private readonly unsynced = new Set<Segment>();
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  /** Serialises every file mutation: writes, rolls, truncation, retention, close. */
  private tail: Promise<void> = Promise.resolve();
  private state: 'open' | 'repairing' | 'closed' = 'open';

  private constructor(dir: string, config: LogConfig, io: StorageIo, options: PartitionLogOptions) {
    this.dir = dir;
    this.currentConfig = config;
    this.fs = io.fs;
    this.clock = io.clock;
    this.io = io;
    this.diskGuard = options.diskGuard ?? new DiskSpaceGuard(
      dir,
      { reserveBytes: config.diskReserveBytes, measure: (d) => io.fs.freeBytes(d) },
    );
  }

  /** Opens (or creates) the partition directory and recovers the last segment (see log-loader). */
  get config(): LogConfig {
    return this.currentConfig;
  }

  /** A topic config change (AlterConfigs) takes effect from the next append or retention run. */
  updateConfig(config: LogConfig): void {
    checkLogConfig(config);
    this.currentConfig = config;
  }

  static async open(
    dir: string,
    config: LogConfig,
    io: StorageIo,
    options: PartitionLogOptions = {},
  ): Promise<PartitionLog> {
    checkLogConfig(config);
    const log = new PartitionLog(dir, config, io, options);
    log.encryption = await LogEncryption.open(log.fs, dir, io.atRest);
    const storedHighWatermark = await readHighWatermark(log.fs, dir);
    const loaded = await loadPartition(log.fs, dir, log.producerState,
      { clean: options.cleanShutdown ?? false, highWatermark: storedHighWatermark });
    log.damageValue = loaded.damage;
    log.segments = loaded.segments;
    log.startOffset = loaded.logStartOffset;
    log.endOffset = log.activeSegment.nextOffset;
    log.writtenEnd = log.endOffset;
    log.durableEnd = log.endOffset;
    log.truncatedAtOpen = loaded.truncatedBytes;
    log.epochs = await loadLeaderEpochs(log.fs, dir, log.segments, log.startOffset, log.endOffset);
    log.markEpochsCheckpointed();
    await log.loadHighWatermark(storedHighWatermark);
    return log;
  }

  /** The leader-epoch cache of this log (persisted by the log; see checkpointLeaderEpochs). */
  get leaderEpochs(): LeaderEpochCache {
    return this.epochs;
  }

  /**
   * The checkpointed high watermark, cut to the log end; undefined when unknown (no readable
   * checkpoint, or its last write failed). A restarted replica starts from it (never above it).
   */
  get checkpointedHighWatermark(): number | undefined {
    return this.hwWritten === undefined ? undefined : Math.min(this.hwWritten, this.endOffset);
  }

  /**
   * Persists `highWatermark`, cut to the durable end (a crash may lose the rest, and the HW must
   * stay at or below what this log holds), unless the checkpoint already holds that value. On
   * its own chain, never per append: the caller's timer bounds the cost. Rejects if the write
   * fails (the checkpoint is then unknown until a later write succeeds).
   */
  checkpointHighWatermark(highWatermark: number): Promise<void> {
    assert(Number.isSafeInteger(highWatermark) && highWatermark >= 0,
      `${this.dir}: high watermark ${highWatermark}`);
    return this.hwSerial(async () => {
      if (this.state === 'closed') return;
      const offset = Math.min(highWatermark, this.durableEnd);
      if (offset === this.hwWritten) return;
      await this.writeHighWatermarkFile(offset);
    });
  }

  /** The HW checkpoint read at open; one above the recovered log end is cut to it at once. */
  private async loadHighWatermark(stored: number | undefined): Promise<void> {
    this.hwWritten = stored;
    this.hwFileMax = stored ?? -1;
    // Recovery cut a corrupt tail below it: batches appended later must not read as covered.
    if (stored !== undefined && stored > this.endOffset) {
      await this.writeHighWatermarkFile(this.endOffset);
    }
  }

  /** Caller holds hwTail (or is `open`). */
  private async writeHighWatermarkFile(offset: number): Promise<void> {
    // Until the rename is done the file holds the old value or this one: bound both.
    this.hwWritten = undefined;
    this.hwFileMax = Math.max(this.hwFileMax, offset);
    await writeHighWatermark(this.fs, this.dir, offset);
    this.hwWritten = offset;
    this.hwFileMax = offset;
  }

  private hwSerial(task: () => Promise<void>): Promise<void> {
    const result = this.hwTail.then(task);
    this.hwTail = result.then(() => undefined, () => undefined);
    return result;
  }

  /** Bytes recovery removed from the tail at open, so the node can tell the operator. */
  get truncatedAtOpenBytes(): number {
    return this.truncatedAtOpen;
  }

  /**
   * The lowest damaged range known: this log vouches for nothing from `damage.offset` on until a
   * truncation at or below it (the repair: then refetch from the leader) removes it.
   */
  get damage(): LogDamage | undefined {
    return this.damageValue;
  }

  /**
   * Records damage found by a reader of this log (scrubber, read, recovery); tells `onDamage` if
   * it lies below what was known. Damage in what retention already dropped is of no interest.
   */
  reportDamage(damage: LogDamage): void {
    if (this.state === 'closed' || damage.offset < this.startOffset) return;
    const lower = lowerDamage(this.damageValue, damage);
    if (lower === this.damageValue) return;
    this.damageValue = lower;
    this.onDamage(lower);
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** The first sealed segment with a base offset above `baseOffset` (the scrubber's walk). */
  sealedSegmentAfter(baseOffset: number): Segment | undefined {
    if (this.state === 'closed') return undefined;
    return this.segments.find((s) => s.baseOffset > baseOffset && s.sealed && !s.deleted);
  }

  /** Whether `segment` is still one of this log's sealed segments. */
  holdsSealed(segment: Segment): boolean {
    return this.state !== 'closed' && segment.sealed && this.segments.includes(segment);
  }

  get logStartOffset(): number {
    return this.startOffset;
  }
  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.endOffset;
  }
  /** Offset after the last batch written to a file (readable). */
  get writtenEndOffset(): number {
    return this.writtenEnd;
  }
  /** Offset after the last batch fsynced (or written, with durable: false): the single-node HW. */
  get durableEndOffset(): number {
    return this.durableEnd;
  }
  get segmentCount(): number {
    return this.segments.length;
  }
  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.sizeBytes;
    return total;
  }
  /** Base offsets of the segments, oldest first (diagnostics and tests). */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((segment) => segment.baseOffset);
  }

  private get activeSegment(): Segment {
    const active = this.segments[this.segments.length - 1];
    assert(active !== undefined, 'a log always has a segment');
    return active;
  }

  /**
   * Appends validated batches that lie back to back in `records`. Offsets are assigned now, in
   * place; the bytes are written on the next turn. Throws PadoError PADO_DISK_FULL without changing
   * anything when free space is below the reserve (or the log is repairing a failed write).
   */
  append(
    records: Buffer,
    batches: readonly BatchHeader[],
    leaderEpoch: number,
    nowMs: number,
  ): AppendResult {
    this.refuseAppendUnlessWritable(records.length, batches.length, nowMs);
    const baseOffset = this.endOffset;
    // A new LeaderReplica assigned its epoch at our end: checkpoint it before these batches.
    this.queueEpochsCheckpoint();
    // A leader appends in its own epoch; an epoch not yet in the cache starts here.
    if (leaderEpoch > this.epochs.latestEpoch) this.noteEpoch(leaderEpoch, baseOffset);
    for (const batch of batches) this.appendOne(records, batch, leaderEpoch, nowMs);
    return this.acknowledgeAppend(baseOffset);
  }

  /**
   * A follower's append: batches as the leader wrote them — its offsets and partition leader
   * epochs kept, nothing rewritten — continuing this log exactly (asserted). A batch of an epoch
   * newer than the cache's latest starts that epoch. Same durability and refusals as `append`.
   */
  appendAsFollower(records: Buffer, batches: readonly BatchHeader[], nowMs: number): AppendResult {
    this.refuseAppendUnlessWritable(records.length, batches.length, nowMs);
    const baseOffset = this.endOffset;
    // FollowerReplica has usually assigned these batches' epochs (and may have cut others):
    // the checkpoint goes first, ahead of the batches, never behind them.
    this.queueEpochsCheckpoint();
    for (const batch of batches) {
      assert(batch.baseOffset === this.endOffset,
        `${this.dir}: follower batch at ${batch.baseOffset}, log end ${this.endOffset}`);
      const epoch = batch.partitionLeaderEpoch;
      if (epoch > this.epochs.latestEpoch) this.noteEpoch(epoch, batch.baseOffset);
      this.appendOne(records, batch, undefined, nowMs);
    }
    return this.acknowledgeAppend(baseOffset);
  }

  /**
   * Persists the epoch cache if it changed since the last checkpoint (e.g. a new LeaderReplica
   * assigned its epoch at the log end): queued in order, before any batch appended after it.
   */
  checkpointLeaderEpochs(): void {
    if (!this.queueEpochsCheckpoint()) return;
    this.scheduleFlush();
  }

  private noteEpoch(epoch: number, startOffset: number): void {
    this.epochs.assign(epoch, startOffset);
    this.queueEpochsCheckpoint();
  }

  /** Queues a checkpoint write when the cache differs from the last one queued; true if queued. */
  private queueEpochsCheckpoint(): boolean {
    const entries = this.epochs.entries();
    if (entries.length === this.checkpointedEpochCount &&
      entries.at(-1) === this.checkpointedLastEpoch) return false;
    this.pending.push({ kind: 'epochs', entries: [...entries] });
    this.markEpochsCheckpointed();
    return true;
  }

  private markEpochsCheckpointed(): void {
    const entries = this.epochs.entries();
    this.checkpointedEpochCount = entries.length;
    this.checkpointedLastEpoch = entries.at(-1);
  }

  /** The durable promise of what was just appended (from `baseOffset` to the log end). */
  private acknowledgeAppend(baseOffset: number): AppendResult {
    let ack: PendingAck | undefined;
    const durable = new Promise<void>((resolve, reject) => {
      ack = { nextOffset: this.endOffset, resolve, reject };
    });
    assert(ack !== undefined, 'promise executor runs synchronously');
    this.pendingAcks.push(ack);
    // Callers may drop the promise (acks=0); a failure then must not become an unhandled rejection.
    durable.catch(() => undefined);
    this.scheduleFlush();
    return { baseOffset, lastOffset: this.endOffset - 1, logAppendTimeMs: -1, durable };
  }

  private refuseAppendUnlessWritable(bytes: number, batchCount: number, nowMs: number): void {
    assert(this.state !== 'closed', 'append after close');
    assert(batchCount > 0, 'append needs a batch');
    if (this.pending.length + batchCount > pendingBatchesMax) {
      throw new PadoError(PadoErrorCode.storageIo,
        `${this.dir}: ${pendingBatchesMax} appends already pending; retry`);
    }
    const refusal = this.refusal(bytes, nowMs);
    if (refusal !== undefined) throw refusal;
  }

  /**
   * Why an append would be refused now (PADO_DISK_FULL: free space below the reserve, or a
   * repair in progress), or undefined if it would be taken. A refusal starts a re-measure of the
   * free space when one is due, so a replica fetcher polling this sees space come back and only
   * fetches what it can store (Kafka's follower instead takes its log directory offline).
   */
  appendRefusal(nowMs: number): PadoError | undefined {
    return this.state === 'closed'
      ? new PadoError(PadoErrorCode.storageIo, `${this.dir}: log closed`)
      : this.refusal(0, nowMs);
  }

  private refusal(bytes: number, nowMs: number): PadoError | undefined {
    if (this.state === 'repairing') {
      return new PadoError(
        PadoErrorCode.diskFull,
        `${this.dir}: repairing after a failed write; retry`,
      );
    }
    if (!this.diskGuard.tryReserve(bytes, nowMs)) {
      return new PadoError(
        PadoErrorCode.diskFull,
        `${this.dir}: free disk space below the reserve of ${this.diskGuard.reserveBytes} bytes; ` +
          'free space or lower retention',
      );
    }
    return undefined;
  }

  /** Places one batch at the log end; `leaderEpoch` undefined keeps the batch's header as is. */
  private appendOne(
    records: Buffer, batch: BatchHeader, leaderEpoch: number | undefined, nowMs: number,
  ): void {
    const bytes = batch.batchLength + batchLogOverheadBytes;
    const storedBytes = this.encryption.storedBytes(bytes);
    const baseOffset = this.endOffset;
    const lastOffset = baseOffset + batch.lastOffsetDelta;
    const config = this.config;
    if (this.activeSegment.mustRoll(storedBytes, lastOffset, nowMs, config)) this.roll();
    const segment = this.activeSegment;
    segment.rollStartMs ??= nowMs;
    if (leaderEpoch !== undefined) {
      rewriteBatchHeader(records, batch.position, baseOffset, leaderEpoch);
    }
    const slice = records.subarray(batch.position, batch.position + bytes);
    let seal: SealPlan | undefined;
    if (this.encryption.enabled) {
      const prepared = this.encryption.prepare();
      if (prepared.keyFile !== undefined) this.pending.push({ kind: 'keys', ...prepared.keyFile });
      seal = prepared.plan;
    }
    const position = segment.place(baseOffset, lastOffset, batch.maxTimestamp, storedBytes);
    this.pending.push(
      { kind: 'batch', segment, position, bytes: slice, seal, nextOffset: lastOffset + 1 },
    );
    recordProducerBatch(this.producerState, batch, baseOffset);
    this.endOffset = lastOffset + 1;
  }

  /** Starts a new segment at the log end; the writer seals the old one and opens the new file. */
  private roll(): void {
    const sealed = this.activeSegment;
    const created = new Segment(this.endOffset);
    sealed.finishTimeIndex();
    this.segments.push(created);
    this.encryption.noteRoll();
    this.pending.push({ kind: 'roll', sealed, created, snapshot: this.producerState.snapshot() });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.clock.soon(() => {
      void this.serial(() => this.writePending());
    });
  }

  /** Runs `task` after every earlier file mutation; the chain survives a failing task. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Writes everything appended so far, then fsyncs once per touched file and resolves the acks. */
  private async writePending(): Promise<void> {
    this.flushScheduled = false;
    const items = this.pending;
    const acks = this.pendingAcks;
    this.pending = [];
    this.pendingAcks = [];
    if (items.length === 0) return;
    let touched: Set<Segment>;
    try {
      touched = await this.writeItems(items);
    } catch (error) {
      if (this.syncing !== null) await this.syncing;
      await this.repairAfterFailedWrite(error, acks);
      return;
    }
    this.onWritten();
    if (!this.config.durable) {
      this.durableEnd = this.writtenEnd;
      for (const ack of acks) ack.resolve();
      return;
    }
    // Only a checkpoint written (fsynced on its own): a sync loop with nothing to do would end
    // before requestSync stores it, leaving `syncing` set for ever.
    if (touched.size === 0 && acks.length === 0) return;
    for (const segment of touched) this.unsynced.add(segment);
    for (const ack of acks) this.awaitingSync.push(ack);
    this.requestSync();
  }

  private requestSync(): void {
    if (this.syncing !== null) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.syncLoop();
  }

  /** fsyncs what has been written, resolving the acks it covers, until nothing is left. */
  private async syncLoop(): Promise<void> {
    do {
      this.syncAgain = false;
      const target = this.writtenEnd;
      const files = [...this.unsynced];
      const acks = this.awaitingSync;
      this.unsynced.clear();
      this.awaitingSync = [];
      try {
        const flushed = this.io.flushed;
        const now = this.io.monotonicMs ?? (() => this.clock.now());
        const startMs = flushed === undefined ? 0 : now();
        for (const segment of files) await segment.file?.sync();
        if (flushed !== undefined && files.length > 0) flushed(now() - startMs);
      } catch (error) {
        this.syncing = null;
        // Not awaited: a writer may be waiting for this loop before it repairs (no deadlock).
        void this.serial(() => this.repairAfterFailedWrite(error, acks));
        return;
      }
      // A rollback meanwhile may have lowered writtenEnd; never claim more than is written.
      this.durableEnd = Math.max(this.durableEnd, Math.min(target, this.writtenEnd));
      for (const ack of acks) ack.resolve();
    } while (this.syncAgain);
    this.syncing = null;
  }

  /**
   * Writes items in order, coalescing contiguous batches into one writev; returns unsynced files.
   */
  private async writeItems(items: readonly PendingItem[]): Promise<Set<Segment>> {
    const unsynced = new Set<Segment>();
    let run: Buffer[] = [];
    let runSegment: Segment | undefined;
    let runNextOffset = 0;
    const flushRun = async (): Promise<void> => {
      if (runSegment === undefined || run.length === 0) return;
      const segment = runSegment;
      assert(segment.file !== undefined, 'segment file opened before its writes');
      // writev takes at most IOV_MAX (1024) buffers at a time.
      for (let i = 0; i < run.length; i += 1024) {
        const slice = i === 0 && run.length <= 1024 ? run : run.slice(i, i + 1024);
        let bytes = 0;
        for (const buffer of slice) bytes += buffer.length;
        await segment.file.writev(slice, segment.writtenBytes);
        segment.writtenBytes += bytes;
      }
      segment.writtenNextOffset = runNextOffset;
      this.writtenEnd = runNextOffset;
      unsynced.add(segment);
      run = [];
    };
    for (const item of items) {
      if (item.kind === 'epochs') {
        await flushRun();
        await writeLeaderEpochs(this.fs, this.dir, item.entries);
        continue;
      }
      if (item.kind === 'keys') {
        await flushRun();
        await this.fs.writeFileDurable(item.path, item.bytes);
        continue;
      }
      if (item.kind === 'roll') {
        await flushRun();
        await this.sealAndOpen(item.sealed, item.created, item.snapshot);
        unsynced.delete(item.sealed);
        continue;
      }
      if (item.segment !== runSegment || run.length >= 1024) await flushRun();
      runSegment = item.segment;
      // Encryption at rest happens here, in the writer's turn, not on the request path.
      if (item.seal === undefined) run.push(item.bytes);
      else for (const part of this.encryption.seal(item.bytes, item.seal)) run.push(part);
      runNextOffset = item.nextOffset;
    }
    await flushRun();
    return unsynced;
  }

  /**
   * Segment roll on disk: fsync and index the old segment, snapshot producers, open the new file.
   */
  private async sealAndOpen(sealed: Segment, created: Segment, snapshot: Buffer): Promise<void> {
    if (!sealed.sealed) {
      await sealed.file?.sync();
      await sealed.writeIndexes(this.fs, this.dir);
      sealed.sealed = true;
    }
    await writeSnapshot(this.fs, this.dir, created.baseOffset, snapshot);
    created.file = await this.fs.open(created.path(this.dir), true);
    await this.fs.syncDir(this.dir);
  }

  /**
   * A write or fsync failed: every append not yet acknowledged fails, and the log goes back to
   * what is fully written (offsets not advanced past the disk), truncating any partial write.
   * Appends are refused until the repair (which re-reads producer state) is done.
   */
  private async repairAfterFailedWrite(cause: unknown, acks: PendingAck[]): Promise<void> {
    const diskFull = isDiskFullError(cause) || isPadoError(cause, PadoErrorCode.diskFull);
    const error = diskFull
      ? new PadoError(PadoErrorCode.diskFull, `${this.dir}: disk full while appending`, { cause })
      : new PadoError(
        PadoErrorCode.storageIo,
        `${this.dir}: write failed while appending`,
        { cause },
      );
    const failed = [...acks, ...this.awaitingSync, ...this.pendingAcks];
    this.pending = [];
    this.pendingAcks = [];
    this.awaitingSync = [];
    this.unsynced.clear();
    this.state = 'repairing';
    for (const ack of failed) ack.reject(error);
    // A queued checkpoint may have been dropped: the next append queues a fresh one first, so no
    // batch reaches the disk after a checkpoint that names epochs beyond the log end.
    this.checkpointedEpochCount = -1;
    this.encryption.noteFailedWrite();
    try {
      await this.rollBackTo(this.writtenEnd);
      this.state = 'open';
      this.onRolledBack(this.endOffset);
    } catch (repairError) {
      // Still inconsistent (e.g. truncate failed too): stay refusing appends; reopen recovers.
      void repairError;
    }
  }

  /** Drops everything from `offset` on: in memory, then files. Caller holds the serial chain. */
  private async rollBackTo(offset: number): Promise<void> {
    const keep = this.segments.filter(
      (segment) => segment.baseOffset < offset || segment === this.segments[0],
    );
    const drop = this.segments.slice(keep.length);
    this.segments = keep;
    for (const segment of drop) {
      await segment.release();
      await segment.removeFiles(this.fs, this.dir);
    }
    const active = this.activeSegment;
    active.sealed = false;
    const position = await locateBatch(active, offset);
    active.truncateBookkeeping(position.position, position.baseOffset);
    assert(active.file !== undefined, 'active segment file open');
    await active.file.truncate(position.position);
    this.endOffset = active.nextOffset;
    this.writtenEnd = Math.min(this.writtenEnd, this.endOffset);
    this.durableEnd = Math.min(this.durableEnd, this.endOffset);
    this.startOffset = Math.min(this.startOffset, this.endOffset);
    await removeSnapshotsAbove(this.fs, this.dir, this.endOffset);
    this.epochs.truncateFromEnd(this.endOffset);
    await rebuildProducerState(
      this.fs,
      this.dir,
      this.segments,
      this.producerState,
      this.endOffset,
    );
  }

  /** Waits until everything appended so far has been written (and fsynced when durable). */
  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.serial(() => this.writePending());
    await this.serial(async () => undefined);
    while (this.syncing !== null) await this.syncing;
  }

  /**
   * Reads whole batches from `fetchOffset`, at most `maxBytes` (but always one whole batch), never
   * a batch at or past `maxOffsetExclusive` (the high watermark) nor unwritten bytes.
   */
  async read(
    fetchOffset: number,
    maxBytes: number,
    maxOffsetExclusive: number,
  ): Promise<ReadResult> {
    assert(this.state !== 'closed', 'read after close');
    if (fetchOffset < this.startOffset || fetchOffset > this.endOffset) {
      const logStartOffset = this.startOffset;
      return { kind: 'offsetOutOfRange', logStartOffset, logEndOffset: this.endOffset };
    }
    const limit = Math.min(maxOffsetExclusive, this.writtenEnd);
    const segment = this.segmentFor(fetchOffset);
    if (fetchOffset >= limit || segment === undefined) return emptyRead(fetchOffset);
    if (segment.baseOffset > fetchOffset) return this.damaged(this.gapBefore(segment));
    const generation = segment.generation;
    const result = await readBatches(segment, fetchOffset, maxBytes, limit);
    if (result.kind === 'records') return this.decrypted(result, segment);
    if (result.kind !== 'damaged') return result;
    // A truncation or deletion that raced the read may look like a cut file: not damage.
    if (segment.generation !== generation || segment.deleted) return emptyRead(fetchOffset);
    return this.damaged(result.damage);
  }

  /**
   * A read's batches as producers sent them (at-rest encryption); a batch that does not decrypt
   * ends the read before it, and is damage when it is the first (never served, repaired like a
   * bad CRC).
   */
  private decrypted(
    result: Extract<ReadResult, { kind: 'records' }>, segment: Segment,
  ): ReadResult {
    if (result.records.length === 0) return result;
    const plain = this.encryption.decryptRead(result.records);
    if (plain.ok) {
      return { kind: 'records', records: plain.records,
        nextOffset: plain.nextOffset ?? result.nextOffset };
    }
    return this.damaged({ offset: plain.offset, kind: 'corrupt', file: segment.path(this.dir),
      position: result.position ?? 0, detail: plain.detail, foundBy: 'read' });
  }

  private damaged(damage: LogDamage): ReadResult {
    this.reportDamage(damage);
    return { kind: 'damaged', damage };
  }

  /** The offsets no file holds before `segment` (a segment that was deleted or cut short). */
  private gapBefore(segment: Segment): LogDamage {
    const i = this.segments.indexOf(segment);
    const previous = i > 0 ? this.segments[i - 1] : undefined;
    const offset = previous?.writtenNextOffset ?? this.startOffset;
    const file = (previous ?? segment).path(this.dir);
    return { offset, kind: 'missing', file, position: previous?.writtenBytes ?? 0,
      foundBy: 'read', detail: `offsets ${offset}–${segment.baseOffset - 1} are in no file ` +
        `(the next segment starts at ${segment.baseOffset})` };
  }

  /** The segment that holds `offset`, skipping to the next one if it ends before it. */
  private segmentFor(offset: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid]?.baseOffset ?? 0) <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    for (let i = found; i < this.segments.length; i++) {
      const segment = this.segments[i];
      if (segment !== undefined && segment.writtenNextOffset > offset) return segment;
    }
    return undefined;
  }

  /** ListOffsets by time: the first batch whose max timestamp ≥ `timestampMs`, or null if none. */
  async offsetForTimestamp(timestampMs: number): Promise<number | null> {
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestampMs) continue;
      if (segment.writtenNextOffset <= this.startOffset) continue;
      const offset = await findOffsetForTimestamp(segment, timestampMs, this.writtenEnd);
      if (offset !== undefined) return Math.max(offset, this.startOffset);
    }
    return null;
  }

  /**
   * DeleteRecords: moves the log start forward (checkpointed) and deletes segments wholly below it.
   */
  async deleteRecordsBefore(offset: number): Promise<number> {
    if (offset > this.durableEnd) {
      throw new PadoError(
        PadoErrorCode.invalidArgument,
        `${this.dir}: cannot delete records before ${offset}, ` +
          `beyond the high watermark ${this.durableEnd}`,
      );
    }
    if (offset <= this.startOffset) return this.startOffset;
    this.startOffset = offset;
    await this.serial(async () => {
      await writeLogStartOffset(this.fs, this.dir, offset);
      await this.deleteOldSegments((segment) => segment.nextOffset <= this.startOffset, Infinity);
    });
    return this.startOffset;
  }

  /**
   * Retention (retention.ms by the segment's newest timestamp, retention.bytes by total size), at
   * most `segmentsMax` segments per call; never the active segment. Returns segments deleted.
   */
  applyRetention(nowMs: number, segmentsMax = 16): Promise<number> {
    return this.serial(async () => {
      const retentionBytes = this.config.retentionBytes;
      let excessBytes = retentionBytes < 0 ? 0 : this.sizeBytes - retentionBytes;
      const expired = (segment: Segment): boolean => {
        const byTime = this.config.retentionMs >= 0 && segment.maxTimestamp >= 0 &&
          nowMs - segment.maxTimestamp > this.config.retentionMs;
        const bySize = excessBytes >= segment.sizeBytes;
        const belowStart = segment.nextOffset <= this.startOffset;
        if (!byTime && !bySize && !belowStart) return false;
        excessBytes -= segment.sizeBytes;
        return true;
      };
      return this.deleteOldSegments(expired, segmentsMax);
    });
  }

  /** Deletes sealed segments from the front while `expired` says so. Caller holds the chain. */
  private async deleteOldSegments(
    expired: (segment: Segment) => boolean, segmentsMax: number,
  ): Promise<number> {
    let count = 0;
    while (count < segmentsMax && this.segments.length > 1) {
      const oldest = this.segments[0];
      const next = this.segments[1];
      if (oldest === undefined || next === undefined || !oldest.sealed || !expired(oldest)) break;
      this.segments.shift();
      count++;
      if (next.baseOffset > this.startOffset) {
        this.startOffset = next.baseOffset;
        await writeLogStartOffset(this.fs, this.dir, this.startOffset);
      }
      await oldest.release();
      await oldest.removeFiles(this.fs, this.dir);
    }
    const firstBase = this.segments[0]?.baseOffset ?? 0;
    // The next checkpoint write records it; until then reopening cuts the start again.
    this.epochs.truncateFromStart(this.startOffset);
    if (count > 0) await removeSnapshotsBefore(this.fs, this.dir, firstBase);
    return count;
  }

  /**
   * Replication: removes every batch at or after `offset` (the batch containing it too), and any
   * damage known there. Below the first segment (its predecessors are missing) every segment goes
   * and the log starts again, empty, at `offset`.
   */
  truncateTo(offset: number): Promise<void> {
    return this.serial(async () => {
      if ((this.damageValue?.offset ?? -1) >= offset) this.damageValue = undefined;
      if (offset >= this.endOffset) return;
      assert(this.state !== 'closed', 'truncate after close');
      // Appends not yet written are dropped by the rollback; their acks must fail.
      await this.writePending();
      const first = this.segments[0];
      if (first !== undefined && offset < first.baseOffset) await this.restartAt(offset);
      else await this.rollBackTo(offset);
      // Before any later batch: a checkpoint naming an epoch past the new end, followed by
      // batches of an older epoch, would put that epoch inside them on the next open.
      await writeLeaderEpochs(this.fs, this.dir, this.epochs.entries());
      this.markEpochsCheckpointed();
      // Likewise a HW checkpoint above the cut would cover the next leader's records, which no
      // ISR agreed on yet, on the next open; reading it back clamped is not enough.
      if (this.hwFileMax > this.endOffset) {
        const end = this.endOffset;
        await this.hwSerial(() => this.writeHighWatermarkFile(end));
      }
    });
  }

  /**
   * Replication: drops every record and continues, empty, at `offset`, at or above the log end
   * (Kafka's truncateFullyAndStartAt). A follower does this when its leader's log starts past
   * everything it holds (retention, DeleteRecords, an offsets checkpoint), as a new replica of an
   * old partition does. Order on disk, so a crash at any point reopens as a log that is empty at
   * its old start or at `offset`, never as records without their epochs: old segments and
   * snapshots go, then the (now empty) epoch checkpoint, then the new segment, the start offset
   * and the HW checkpoints.
   */
  startAt(offset: number): Promise<void> {
    return this.serial(async () => {
      assert(this.state !== 'closed', 'startAt after close');
      if (this.state === 'repairing') {
        throw new PadoError(PadoErrorCode.storageIo, `${this.dir}: repairing after a failed ` +
          'write; the follower starts over later');
      }
      await this.writePending();
      while (this.syncing !== null) await this.syncing;
      assert(offset >= this.endOffset,
        `${this.dir}: startAt ${offset} below end ${this.endOffset}`);
      for (const segment of this.segments) {
        segment.generation++;
        await segment.release();
        await segment.removeFiles(this.fs, this.dir);
      }
      await removeSnapshotsAbove(this.fs, this.dir, -1);
      this.producerState.clear();
      this.epochs.truncateFromEnd(0);
      await writeLeaderEpochs(this.fs, this.dir, []);
      this.markEpochsCheckpointed();
      const created = new Segment(offset);
      created.file = await this.fs.open(created.path(this.dir), true);
      this.segments = [created];
      this.startOffset = offset;
      this.endOffset = offset;
      this.writtenEnd = offset;
      this.durableEnd = offset;
      await writeLogStartOffset(this.fs, this.dir, offset);
      await this.fs.syncDir(this.dir);
      await this.hwSerial(() => this.writeHighWatermarkFile(offset));
    });
  }

  /**
   * Every segment goes; the log starts again, empty, at `offset` (Kafka's truncateFullyAndStartAt):
   * a repair whose damage starts before the first segment. Caller holds the serial chain.
   */
  private async restartAt(offset: number): Promise<void> {
    const dropped = this.segments;
    const created = new Segment(offset);
    created.file = await this.fs.open(created.path(this.dir), true);
    this.segments = [created];
    for (const segment of dropped) {
      segment.generation++;
      await segment.release();
      await segment.removeFiles(this.fs, this.dir);
    }
    await writeLogStartOffset(this.fs, this.dir, offset);
    await this.fs.syncDir(this.dir);
    this.startOffset = offset;
    this.endOffset = offset;
    this.writtenEnd = offset;
    this.durableEnd = offset;
    await removeSnapshotsAbove(this.fs, this.dir, offset);
    this.epochs.truncateFromEnd(offset);
    await rebuildProducerState(this.fs, this.dir, this.segments, this.producerState, offset);
  }

  /** Writes and fsyncs what is pending, snapshots producer state at the log end, closes files. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    await this.flush();
    await this.serial(async () => {
      const active = this.activeSegment;
      if (this.state === 'open') {
        await active.file?.sync();
        await writeSnapshot(this.fs, this.dir, this.endOffset, this.producerState.snapshot());
      }
      this.state = 'closed';
      for (const segment of this.segments) await segment.release();
    });
    // A HW checkpoint in progress finishes before the directory may go (delete).
    await this.hwSerial(async () => undefined);
  }

  /** Closes and removes the partition directory (DeleteTopics). */
  async delete(): Promise<void> {
    await this.close();
    await this.fs.removeDir(this.dir);
  }
}

function emptyRead(offset: number): ReadResult {
  return { kind: 'records', records: Buffer.alloc(0), nextOffset: offset };
}
