export * from './records.js';
export * from './image.js';
export * from './codec.js';
export * from './snapshot.js';
export * from './diff.js';
