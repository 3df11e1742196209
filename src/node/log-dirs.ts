/**
 * This node's one log directory for DescribeLogDirs (server/handlers/describe-log-dirs.ts): the
 * data directory as an absolute path, the replicas it holds (`ReplicaManager.view()`), and the
 * volume's total and usable bytes measured when asked (statfs through the node's disk; -1 where
 * the disk cannot say, as in the simulator, or the measurement fails).
 */
import { resolve } from 'node:path';
import { describeLogDirsHandler } from '../server/index.js';
import type { FsOps } from '../storage/index.js';
import type { ReplicaView } from './replica-manager.js';

export function logDirsHandler(dataDir: string, disk: FsOps,
  replicas: () => readonly ReplicaView[]): ReturnType<typeof describeLogDirsHandler> {
  const logDir = resolve(dataDir);
  const measure = async (f: ((dir: string) => Promise<number>) | undefined): Promise<number> => {
    try {
      return f === undefined ? -1 : await f.call(disk, logDir);
    } catch {
      return -1;
    }
  };
  return describeLogDirsHandler({
    logDir, replicas,
    async volume() {
      const [totalBytes, usableBytes] = await Promise.all([measure(disk.totalBytes),
        measure(disk.freeBytes)]);
      return { totalBytes, usableBytes };
    },
  });
}
