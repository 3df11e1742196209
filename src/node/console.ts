/**
 * The web console of this node (issue 16 item 3, console/README.md): mounted at /console on the
 * HTTP admin listener, a client of this node's own client listener (`NodeListeners.
 * consoleTarget`). It connects through the machine's plain Net — not the peer Net, which would
 * present this node's certificate and make every console user a node.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import { WebConsole } from '../console/index.js';
import type { NodeIo } from './io/index.js';
import type { NodeListeners } from './listeners.js';
import type { ReplicaView } from './replica-manager.js';

export function openConsole(config: NodeConfig, listeners: NodeListeners,
  advertised: { host: string; port: number }, io: NodeIo, log: Logger,
  replicas: () => readonly ReplicaView[]): WebConsole | null {
  const readAsset = io.admin?.readConsoleAsset;
  if (readAsset === undefined) return null;
  return new WebConsole({
    clock: io.clock, random: io.random, net: io.net, readAsset,
    target: () => listeners.consoleTarget(advertised, config.saslEnabledMechanisms),
    localSizes: () => new Map(replicas().map((r) => [`${r.topic}/${r.partition}`, r.sizeBytes])),
    log: log.child({ module: 'console' }),
  });
}
