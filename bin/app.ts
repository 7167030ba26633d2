#!/usr/bin/env node
/** The app: context → the stack it asks for (`bin/stacks.ts`), with cdk-nag on every synthesis. */
import { App } from 'aws-cdk-lib';
import { defineStacks } from './stacks';

defineStacks(new App());
