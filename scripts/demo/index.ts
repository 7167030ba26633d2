/**
 * `npm run demo [-- <scenario>]`: what an operator gets, with no AWS account. Synthesizes the
 * scenario's stack, plays the scenario through the synthesized Lambda bundles against the local AWS
 * endpoint (with dynalite as its DynamoDB), and prints what it gave. `npm run demo` plays the
 * single-account scenario, `npm run demo -- organization` the Organization one (`npm run demo:org`
 * too), `npm run demo -- all` both in turn.
 */
import { rm } from 'node:fs/promises';
import { deployedFunctions, invokeBundle, resolveEnvironment } from '../../tools/lambda-runner/bundle';
import { synthesize } from '../../tools/lambda-runner/synth';
import { LocalAws, startDynamo } from '../../tools/local-aws';
import { runMain, UsageError } from '../cli';
import type { Scenario, Stage } from './scenario';
import { account } from './scenarios/account';
import { organization } from './scenarios/organization';

/** Every scenario, the default first. */
export const SCENARIOS: readonly Scenario[] = [account, organization] as Scenario[];

/** The scenarios a command line picks: none is the default one, `all` is every one. */
export function pickScenarios(args: readonly string[]): Scenario[] {
  const [name = SCENARIOS[0]?.name, ...rest] = args;
  const found = SCENARIOS.find((scenario) => scenario.name === name);
  if (rest.length === 0 && name === 'all') return [...SCENARIOS];
  if (rest.length === 0 && found) return [found];
  throw new UsageError(
    [
      `Unknown demo scenario: ${args.join(' ')}. Run npm run demo -- <scenario>, one of:`,
      ...SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(14)} ${scenario.summary}`),
      `  ${'all'.padEnd(14)} every scenario in turn`,
    ].join('\n'),
  );
}

/** Plays `scenario` on a fresh local endpoint with the functions of `assemblyDir`; returns what it prints. */
export async function playScenario(scenario: Scenario, assemblyDir: string): Promise<string> {
  const functions = deployedFunctions(assemblyDir);
  const fn = (handler: string) => {
    const found = functions.find((candidate) => candidate.handler === handler);
    if (!found) throw new Error(`No ${handler} function in the cloud assembly at ${assemblyDir}`);
    return found;
  };
  const aws = await LocalAws.start();
  const dynamo = await startDynamo();
  try {
    aws.forwardDynamoDb(dynamo.endpoint);
    const stage: Stage = {
      aws,
      ledgerTable: await dynamo.createLedgerTable(),
      fn,
      invoke: (handler, event, values, extra = {}) =>
        invokeBundle({
          fn: fn(handler),
          event,
          endpoint: aws.endpoint,
          environment: { ...resolveEnvironment(fn(handler), values), ...extra },
        }),
    };
    const played = await scenario.play(stage, await scenario.seed(stage));
    return `${scenario.print(stage, played).join('\n')}\n`;
  } finally {
    await aws.stop();
    await dynamo.stop();
  }
}

/** Synthesizes each scenario's stack, plays it and prints it; `all` separates them with a blank line. */
export async function main(args: readonly string[]): Promise<void> {
  const scenarios = pickScenarios(args);
  for (const [i, scenario] of scenarios.entries()) {
    process.stderr.write(`${scenario.synthesizing}\n`);
    const assemblyDir = await synthesize(scenario.context);
    try {
      process.stdout.write(`${i ? '\n' : ''}${await playScenario(scenario, assemblyDir)}`);
    } finally {
      await rm(assemblyDir, { recursive: true, force: true });
    }
  }
}

if (require.main === module) runMain(main);
