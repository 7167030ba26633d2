/**
 * Loads the failure causes' bundle (`causes.ts`): in Lambda the file `causes.js` beside `index.js`
 * (kept out of it: the build marks `./causes.js` external), in tests the TypeScript source. The
 * module loader keeps it once loaded.
 */
export type CausesBundle = typeof import('./causes.js');

export function loadCauses(): Promise<CausesBundle> {
  return import('./causes.js');
}
