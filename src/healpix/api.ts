// Compatibility: modules written against the first HEALPix module import
// from './api.js'. The public API is index.ts; this file re-exports it.
export * from './index.js';
