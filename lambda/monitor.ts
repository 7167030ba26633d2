/**
 * The monitor's bundle (`assets/monitor/index.js`): its entry points `index.handler`,
 * `index.sweep` and `index.sweepAccount`, over one runtime built at cold start (a missing or
 * malformed setting fails the init loudly, naming it).
 */
import { reportHandler } from './handlers/report';
import { createRuntime } from './handlers/runtime';
import { sweepHandler } from './handlers/sweep';
import { sweepAccountHandler } from './handlers/sweep-account';

const runtime = createRuntime(process.env);

export const handler = reportHandler(runtime);
export const sweep = sweepHandler(runtime);
export const sweepAccount = sweepAccountHandler(runtime);
