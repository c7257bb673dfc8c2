/**
 * The deterministic source simulator: a generated world of businesses in real US places, served
 * over HTTP in the Yelp Fusion v3, Census Data API and 50states.com formats, with its ground truth.
 */

export {
  DEFAULT_CENSUS_KEY,
  DEFAULT_YELP_KEY,
  type FaultOptions,
  type SimulatorOptions,
  type SimulatorServer,
  startSimulator,
} from './server.ts';
export type { GroundTruth, TruthBusiness, TruthEvent, TruthReview, World } from './types.ts';
export { createWorld, dayDate, dayNumber, EPOCH, SimWorld } from './world.ts';
export { yelpBusinessJson, yelpEventJson, yelpReviewJson } from './yelp.ts';
