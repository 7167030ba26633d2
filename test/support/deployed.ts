/**
 * The functions of the deployments the integration global setup synthesized, by reach: the
 * single-account stack, or the Organization's central stack (opted out of failure causes, its
 * default, or opted in). Tests treat them as black boxes: the
 * bundle, its handler name, its environment and its role.
 */
import { inject } from 'vitest';
import { type DeployedFunction, deployedFunctions, stackTemplates } from '../../tools/lambda-runner/bundle';

/**
 * Where the monitor looks: this account and Region, or an Organization (`organization-causes`: one
 * whose central monitor reads failure causes, `failureCauses=summary`).
 */
export type Reach = 'account' | 'organization' | 'organization-causes';

const ASSEMBLY_DIRS = {
  account: 'assemblyDir',
  organization: 'organizationAssemblyDir',
  'organization-causes': 'organizationCausesAssemblyDir',
} as const;

/** The cloud assembly of `reach`'s deployment. */
export function assemblyOf(reach: Reach): string {
  return inject(ASSEMBLY_DIRS[reach]);
}

/** The deployed function of `reach` whose handler is `handler` (`index.handler`, `index.plan`...). */
export function deployedFunction(reach: Reach, handler: string): DeployedFunction {
  const fn = deployedFunctions(assemblyOf(reach)).find((candidate) => candidate.handler === handler);
  if (!fn) throw new Error(`No ${handler} function in the ${reach} deployment`);
  return fn;
}

/** The templates of `reach`'s deployment. */
export function templatesOf(reach: Reach): Record<string, unknown>[] {
  return stackTemplates(assemblyOf(reach));
}
