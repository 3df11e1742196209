export * from './broker.js';
export * from './handler.js';
export { KafkaListener, type ListenerOptions } from './server.js';
export { brokerHandlers } from './handlers/index.js';
export { groupHandlers } from './handlers/groups.js';
export type * from './group-service.js';
export { FrameSplitter } from './frames.js';
