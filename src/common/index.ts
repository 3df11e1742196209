export * from './assert.js';
export * from './errors.js';
export * from './prng.js';
export * as limits from './limits.js';
export * from './clock.js';
export * from './random.js';
export * from './net.js';
export * from './text.js';
