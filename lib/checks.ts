/**
 * The checks more than one construct makes (the monitor's Organization options, the member
 * construct, the app's member stack, the member template's parameters): each pattern and each
 * message written once. A check returns what is wrong, or undefined; the caller names the prop.
 */
import { Token } from 'aws-cdk-lib';
import {
  ACCOUNT_ID_PATTERN,
  centralBusName,
  ORGANIZATION_ID_PATTERN,
  REGION_PATTERN,
  ROLE_PREFIX_PATTERN,
} from '../contract';
import { FailureCauses, LIMITS, Reporting } from './settings';

/** What EventBridge allows in a bus name (role names allow more: `+ = , @`). */
const BUS_NAME = String.raw`[A-Za-z0-9._\-/]{1,256}`;
const BUS_ARN_START = String.raw`^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/`;
export const EVENT_BUS_NAME = new RegExp(`^${BUS_NAME}$`);
/** A central event bus's ARN, in any partition. */
export const EVENT_BUS_ARN = new RegExp(`${BUS_ARN_START}${BUS_NAME}$`);
/** The member template's parameter: any bus name (CloudFormation checks the ARN's shape only). */
export const EVENT_BUS_ARN_PARAMETER = new RegExp(`${BUS_ARN_START}.+$`);

const REPORTING_MODES: string[] = Object.values(Reporting);
const FAILURE_CAUSES: string[] = Object.values(FailureCauses);

/** A problem, or undefined when the value is fine. */
export type Problem = string | undefined;

export function organizationIdProblem(value: string): Problem {
  return ORGANIZATION_ID_PATTERN.test(value)
    ? undefined
    : `"${value}" is not an Organization ID (expected o- and 10 to 32 lower-case letters or digits)`;
}

export function accountIdProblem(value: string): Problem {
  return ACCOUNT_ID_PATTERN.test(value) ? undefined : `"${value}" is not an account ID (12 digits)`;
}

export function regionProblem(value: string): Problem {
  return REGION_PATTERN.test(value) ? undefined : `"${value}" is not a Region`;
}

export function rolePrefixProblem(prefix: string): Problem {
  return ROLE_PREFIX_PATTERN.test(prefix)
    ? undefined
    : `"${prefix}" is not a role name prefix (1 to 32 of A-Z a-z 0-9 + = , . @ _ -, starting with a letter)`;
}

/** The central bus is named for the prefix, and a bus name allows fewer characters than a role's. */
export function busNameProblem(prefix: string): Problem {
  const busName = centralBusName(prefix);
  return EVENT_BUS_NAME.test(busName)
    ? undefined
    : `"${prefix}" names the event bus ${busName}, but a bus name allows only A-Z a-z 0-9 . - _ /`;
}

export function busArnProblem(arn: string): Problem {
  return EVENT_BUS_ARN.test(arn)
    ? undefined
    : `"${arn}" is not an event bus ARN (arn:aws:events:<Region>:<account>:event-bus/<name>)`;
}

export function reportingProblem(reporting: string): Problem {
  return REPORTING_MODES.includes(reporting)
    ? undefined
    : `"${reporting}" is not one of ${REPORTING_MODES.join(', ')}`;
}

export function failureCausesProblem(value: string): Problem {
  return FAILURE_CAUSES.includes(value) ? undefined : `"${value}" is not one of ${FAILURE_CAUSES.join(', ')}`;
}

export function maxCauseReadsProblem(value: number): Problem {
  const { min, max } = LIMITS.maxCauseReads;
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `must be a whole number of targets from ${min} to ${max}, got ${value}`;
}

/** The problem, unless the value is a token (known only at deploy time, checked there). */
export function knownProblem(value: string, check: (value: string) => Problem): Problem {
  return Token.isUnresolved(value) ? undefined : check(value);
}
