/**
 * Organization mode's planner bundle (`assets/org-planner/index.js`): its entry point `index.plan`.
 */
import { planHandler } from './handlers/plan';
import { createPlannerRuntime } from './handlers/planner-runtime';

export const plan = planHandler(createPlannerRuntime(process.env));
