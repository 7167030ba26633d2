/**
 * The member template a synthesized central stack deploys through its StackSet (`TemplateBody`),
 * and the actions its read role allows: what the central functions may call in a member account.
 */
import { type Reach, templatesOf } from './deployed';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
type Statements = { Statement: { Action: string | string[] }[] };

/** The member template of `reach`'s StackSet. */
export function memberTemplateOf(reach: Reach): { Resources: Record<string, Resource> } {
  const central = templatesOf(reach).find((template) =>
    JSON.stringify(template).includes('AWS::CloudFormation::StackSet'),
  ) as { Resources: Record<string, Resource> } | undefined;
  const stackSet = Object.values(central?.Resources ?? {}).find(
    (resource) => resource.Type === 'AWS::CloudFormation::StackSet',
  );
  if (!stackSet) throw new Error(`No StackSet in the ${reach} deployment`);
  return JSON.parse(String(stackSet.Properties.TemplateBody));
}

/** Every action the read role of `reach`'s member template allows, inline or attached. */
export function readRoleActions(reach: Reach): Set<string> {
  const resources = Object.values(memberTemplateOf(reach).Resources);
  const actions = new Set<string>();
  const add = (document: Statements) => {
    for (const statement of document.Statement)
      for (const action of [statement.Action].flat()) actions.add(action);
  };
  for (const resource of resources) {
    const named = JSON.stringify(resource.Properties.RoleName ?? '');
    if (resource.Type !== 'AWS::IAM::Role' || !named.includes('-Read-')) continue;
    for (const policy of (resource.Properties.Policies ?? []) as { PolicyDocument: Statements }[])
      add(policy.PolicyDocument);
  }
  for (const resource of resources) {
    if (resource.Type !== 'AWS::IAM::Policy' || !JSON.stringify(resource.Properties.Roles).includes('Read'))
      continue;
    add(resource.Properties.PolicyDocument as Statements);
  }
  return actions;
}
