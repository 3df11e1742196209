export * from './producer-state.js';
export * from './leader-epoch-cache.js';
export * from './leader-replica.js';
export * from './follower-replica.js';
export * from './election.js';
export * from './append-gate.js';
export * from './refused-batches.js';
