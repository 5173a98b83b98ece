export * from './api.js';
export { MAX_ORDER, MAX_NUMBER_ORDER, nsideOf, npixOf } from './base.js';
