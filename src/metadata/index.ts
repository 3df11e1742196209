export * from './records.js';
export * from './image.js';
