/**
 * The failure causes' bundle (`assets/monitor/causes.js`, beside the monitor's `index.js`): the
 * reads of Run Command, Automation and Step Functions with clients of their own, and the naming and
 * grouping of what they found. The monitor loads it (`load-causes.ts`) on the first report of a
 * container that reads causes; every other cold start reads `index.js` alone, which stays under
 * 460,000 bytes.
 */
export { type CauseClientConfig, type CauseReadClients, causeReadClients } from './adapters/cause-reads';
export { causeWithoutRead, summarizeCauses } from './core/causes';
export { readCauses } from './core/causes/read';
