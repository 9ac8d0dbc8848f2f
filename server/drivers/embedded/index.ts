// The embedded driver's entry point.
export { EmbeddedDriver, EmbeddedClusterHandle, createEmbeddedDriver, clusterIdFor, type EmbeddedDriverOptions } from './embedded-driver.ts';
