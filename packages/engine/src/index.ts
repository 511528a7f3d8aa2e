// placeholder; replaced by the package's real entry point.
export const VERSION = '0.1.0';
export * from './observer.js';
