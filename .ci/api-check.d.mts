/** Types of `api-check.mjs`, for the TypeScript that imports it. */
export declare function breakingAllowed(baseline: string, current: string): boolean;
