export { startNode, type NodeHooks, type NodeView, type RunningNode } from './node.js';
export type { ReplicaView } from './replica-manager.js';
export { createLogger, flushLogger, type Logger } from './io/logger.js';
export { systemIo, type NodeIo } from './io/index.js';
