#!/usr/bin/env node
/**
 * The app: context → the stack it asks for (`bin/stacks.ts`), with cdk-nag on every synthesis.
 * Bad context stops it with one message on stderr, naming the context key, and exit code 1.
 */
import { App } from 'aws-cdk-lib';
import { appErrorMessage, stacksNote } from './context';
import { defineStacks } from './stacks';

// Synthesized here rather than at exit, so that an error in synthesis is caught too.
const app = new App({ autoSynth: false });
try {
  const stack = defineStacks(app);
  process.stderr.write(`${stacksNote(stack.node.id)}\n`);
  app.synth();
} catch (error: unknown) {
  process.stderr.write(`${appErrorMessage(error, (key) => app.node.tryGetContext(key))}\n`);
  process.exitCode = 1;
}
