export { startNode, type RunningNode } from './node.js';
export { createLogger, flushLogger, type Logger } from './io/logger.js';
export { systemIo, type NodeIo } from './io/index.js';
