/** Types of `build-asset.mjs`, for the TypeScript that imports it. */
export declare const LAZY_CREDENTIAL_MODULES: string[];
export declare const ASSET_FILE: string;
export declare function buildAsset(outfile?: string): Promise<string>;
