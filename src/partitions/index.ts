export * from './producer-state.js';
