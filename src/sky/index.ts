export * from './angles.js';
export * from './vector.js';
export * from './ranges.js';
export * from './random.js';
export * from './epoch.js';
export * from './motion.js';
