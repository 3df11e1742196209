export * from './controller.js';
export * from './config.js';
export * from './placement.js';
export * from './elections.js';
export * from './brokers.js';
export * from './alter-partition.js';
export * from './internal-topics.js';
export * from './scram-users.js';
