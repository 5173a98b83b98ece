export {
  MAX_DEPTH, checkDepth, htmDepth, htmDescendants, htmIdFromName, htmName, htmParent, htmTrixel, trixelVerticesInto,
  type Trixel, type Vertex,
} from './trixel.js';
export { htmIndex, htmIndexRaDec } from './lookup.js';
export { htmCover, htmInterior } from './cover.js';
