/**
 * Builds the functions' bundles once before the unit tests: the construct ships it prebuilt, and
 * synthesizing a stack in a test stages it as the function's code.
 */
import { buildAssets } from '../scripts/build-asset.mjs';

export default async function setup(): Promise<void> {
  await buildAssets();
}
