/** Types of `build-asset.mjs`, for the TypeScript that imports it. */
export declare const ASSET_FILE: string;
export declare const BUILD_OPTIONS: import('esbuild').BuildOptions;
export declare const PLANNER_ASSET_FILE: string;
/** The monitor's `index.js` and its cause reads' file. */
export declare function buildAsset(outfile?: string): Promise<string[]>;
export declare function buildPlannerAsset(outfile?: string): Promise<string>;
export declare function buildAssets(): Promise<string[]>;
