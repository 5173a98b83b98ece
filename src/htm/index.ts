export { MAX_DEPTH, htmDepth, htmIdFromName, htmName, htmTrixel, type Trixel } from './trixel.js';
export { htmIndex, htmIndexRaDec } from './lookup.js';
export { htmCover, htmInterior } from './cover.js';
