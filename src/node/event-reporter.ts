/**
 * What this broker tells the controller about its own machine (issue 16 events): corrupt data
 * found in a partition's log, and its data disk running low, full, and fine again. Sent with
 * ReportClusterEvent (or straight to the duties when this node is the controller), in the
 * background: a few tries while the controller moves, at most `pendingMax` reports waiting, one
 * corrupt-data report per partition per `repeatMs`. Losing a report loses only a notice: the
 * damage and the disk state are handled where they are found, and are logged there.
 */
import type { Logger } from 'pino';
import { delay, type Clock } from '../common/index.js';
import type { LogDamage } from '../storage/index.js';
import type { PartitionControllerService } from '../server/index.js';
import { KafkaError } from '../protocol/index.js';

export interface EventReporterOptions {
  readonly nodeId: number;
  readonly brokerEpoch: () => number;
  readonly isController: () => boolean;
  readonly local: PartitionControllerService;
  readonly remote: PartitionControllerService;
  readonly clock: Clock;
  readonly log: Logger;
}

const pendingMax = 8;
const attemptsMax = 3;
const retryMs = 1_000;
const repeatMs = 60_000;
const repeatsRememberedMax = 1_000;

export type DiskState = 'ok' | 'low' | 'full';

/**
 * The disk's state from its free bytes: full below the reserve (produce refused), low below four
 * reserves, ok again only above four and a half (so a disk hovering at the line is not news
 * every few seconds).
 */
export function diskState(previous: DiskState, freeBytes: number, reserveBytes: number): DiskState {
  if (freeBytes < reserveBytes) return 'full';
  if (freeBytes < 4 * reserveBytes) return 'low';
  if (previous !== 'ok' && freeBytes < 4.5 * reserveBytes) return 'low';
  return 'ok';
}

const mib = (bytes: number): string => `${Math.floor(bytes / (1024 * 1024))} MiB`;

export class EventReporter {
  private readonly o: EventReporterOptions;
  private pending = 0;
  private readonly lastReportMs = new Map<string, number>();
  private disk: DiskState = 'ok';

  constructor(o: EventReporterOptions) {
    this.o = o;
  }

  damageFound(topic: string, partition: number, damage: LogDamage): void {
    const key = `${topic}-${partition}`;
    const now = this.o.clock.now();
    const last = this.lastReportMs.get(key);
    if (last !== undefined && now - last < repeatMs) return;
    if (this.lastReportMs.size >= repeatsRememberedMax) this.lastReportMs.clear();
    this.lastReportMs.set(key, now);
    this.send('corrupt-data', topic, `${damage.kind} data in ${key} from offset ${damage.offset} ` +
      `(${damage.detail}; found by ${damage.foundBy}); never served, the replica repairs from an in-sync copy`);
  }

  /** A new measurement of the data disk's free bytes; reports a change of state. */
  diskMeasured(freeBytes: number, reserveBytes: number): void {
    const next = diskState(this.disk, freeBytes, reserveBytes);
    if (next === this.disk) return;
    this.disk = next;
    const free = `${mib(freeBytes)} free`;
    if (next === 'full') {
      this.send('disk-full', null, `data disk full: ${free}, under the ${mib(reserveBytes)} reserve; ` +
        'produce is refused until space is freed (lower retention, delete topics, or add disk)');
    } else if (next === 'low') {
      this.send('disk-low', null, `data disk low: ${free}; produce stops under ${mib(reserveBytes)}`);
    } else {
      this.send('disk-ok', null, `data disk fine again: ${free}`);
    }
  }

  private send(kind: string, topic: string | null, message: string): void {
    if (this.pending >= pendingMax) {
      this.o.log.warn({ kind, message }, 'event report dropped: too many waiting');
      return;
    }
    this.pending++;
    void this.deliver(kind, topic, message).finally(() => { this.pending--; });
  }

  private async deliver(kind: string, topic: string | null, message: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const epoch = this.o.brokerEpoch();
      const req = { brokerId: this.o.nodeId, brokerEpoch: epoch, kind, severity: 0, topic, message };
      let errorCode: number;
      try {
        const to = this.o.isController() ? this.o.local : this.o.remote;
        errorCode = epoch < 0 ? KafkaError.notController.code : (await to.reportEvent(req)).errorCode;
      } catch {
        errorCode = KafkaError.notController.code;
      }
      if (errorCode === 0) return;
      const retriable = errorCode === KafkaError.notController.code || errorCode === KafkaError.staleBrokerEpoch.code;
      if (!retriable || attempt >= attemptsMax) {
        this.o.log.warn({ kind, errorCode, attempt }, 'event report not recorded');
        return;
      }
      await delay(this.o.clock, retryMs);
    }
  }
}
