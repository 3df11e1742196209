/**
 * The node's I/O (DESIGN.md "The I/O boundary"): what `startNode` is handed and passes down. The
 * production adapters live here and only here; the whole-cluster simulator hands its own.
 */
import type { Clock, Net, Random } from '../../common/index.js';
import { systemNet } from './system-net.js';
export { checkTlsOptions } from './system-net.js';
import type { AtRestEncryption, FsOps, KvOpener } from '../../storage/index.js';
import { openSystemKv } from './system-kv.js';
import { systemDisk } from './system-disk.js';
import { systemClock } from './system-clock.js';
import { systemRandom } from './system-random.js';
import { collectProcessMetrics, listenSystemHttp, monotonicMs, type ListenHttp } from './system-http.js';
import type { Registry } from 'prom-client';
import { systemAlertIo, type AlertIo } from './system-alerts.js';
export type { AlertIo } from './system-alerts.js';
import type { ReadAsset } from '../../console/index.js';
import { readSystemConsoleAsset } from './system-console.js';

export interface NodeIo {
  readonly clock: Clock;
  readonly random: Random;
  /** Listening and connecting: the Kafka listener, peers, the controller. */
  readonly net: Net;
  /** The data directory's file system. */
  readonly disk: FsOps;
  /** Opens the key-value stores under the data directory (the Raft log, group snapshots). */
  readonly openKv: KvOpener;
  /**
   * The process environment: test switches, and the master key of encryption at rest
   * (PADO_MASTER_KEY, PADO_MASTER_KEY_FILE), which must not sit in a config file; other settings
   * come from config.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Set by startNode from the master key: storage encrypts partition logs and stores. */
  readonly atRest?: AtRestEncryption;
  /** The HTTP admin listener and the process's metrics (absent: no HTTP, as in the simulator). */
  readonly admin?: AdminIo;
  /** Webhooks and commands of alert hooks (absent: none are called, as in the simulator). */
  readonly alerts?: AlertIo;
}

export interface AdminIo {
  readonly listenHttp: ListenHttp;
  collectProcessMetrics(registry: Registry): void;
  /** A monotonic clock with sub-millisecond resolution (request and fsync latency), ms. */
  monotonicMs(): number;
  /** Reads the web console's files (absent: no console). */
  readonly readConsoleAsset?: ReadAsset;
}

/** The real machine's I/O: what `pado start` runs on. */
export function systemIo(): NodeIo {
  return {
    clock: systemClock, random: systemRandom, net: systemNet, disk: systemDisk, openKv: openSystemKv, env: process.env,
    admin: { listenHttp: listenSystemHttp, collectProcessMetrics, monotonicMs,
      readConsoleAsset: readSystemConsoleAsset },
    alerts: systemAlertIo,
  };
}

export { openSystemKv, systemClock, systemDisk, systemNet, systemRandom };
