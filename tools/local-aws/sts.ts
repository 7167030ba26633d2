/**
 * The STS part of the local endpoint: `AssumeRole` into a role of an Organization account, with
 * STS's parameter constraints, the role's one-hour maximum session, no role chaining (the member
 * roles trust the central account's functions only) and `AccessDenied` for a role that does not
 * exist; and `GetCallerIdentity`. Its rules are copied from AWS's API reference on purpose, not
 * imported from the code under test.
 */
import { type CallContext, type OperationHandler, ServiceError } from './protocols';
import { assumeRoleDenied, type Tenancy } from './tenancy';

/** A successful `AssumeRole`: which role, for whom, and the Region STS was called in. */
export interface AssumedRole {
  readonly accountId: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** The Region the request was signed for (the STS endpoint's Region). */
  readonly signedRegion: string;
  readonly accessKeyId: string;
  /** Epoch milliseconds, on the endpoint's clock. */
  readonly expiresAt: number;
}

/** IAM's default (and the monitor's roles') `MaxSessionDuration`, and role chaining's cap. */
const MAX_SESSION_SECONDS = 3600;
const DEFAULT_DURATION_SECONDS = 3600;
/** `arn:<partition>:iam::<account>:role/<path/><name>`; the name is what must exist. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

export class LocalSts {
  /** Every role STS let a caller assume. */
  readonly assumedRoles: AssumedRole[] = [];

  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    AssumeRole: (i, caller) => this.assumeRole(i, caller),
    GetCallerIdentity: (_, caller) => ({
      UserId: this.tenancy.userIdOf(caller.accessKeyId),
      Account: caller.accountId,
      Arn: caller.principalArn,
    }),
  };

  constructor(private readonly tenancy: Tenancy) {}

  private assumeRole(input: Record<string, unknown>, caller: CallContext): Record<string, unknown> {
    const roleArn = constrained(input, 'RoleArn', 20, 2048);
    const sessionName = constrained(input, 'RoleSessionName', 2, 64);
    if (!/^[\w+=,.@-]*$/.test(sessionName)) {
      throw validationError(
        `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: ` +
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
    }
    const duration = durationOf(input);
    const [, accountId = '', roleName = ''] = ROLE_ARN.exec(roleArn) ?? [];
    // A session's credentials cannot assume the member roles (they trust the central functions
    // only); nor can anyone assume a role that does not exist or an ARN that names none.
    if (caller.assumed || !this.tenancy.role(accountId, roleName)) throw assumeRoleDenied(caller, roleArn);
    if (duration > MAX_SESSION_SECONDS) {
      throw new ServiceError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const session = this.tenancy.issue(accountId, roleName, sessionName, duration);
    this.assumedRoles.push({
      accountId,
      roleName,
      roleArn,
      sessionName,
      signedRegion: caller.region,
      accessKeyId: session.accessKeyId,
      expiresAt: session.expiresAt,
    });
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: new Date(session.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      AssumedRoleUser: {
        AssumedRoleId: `${session.roleId}:${sessionName}`,
        Arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
      },
    };
  }
}

/** A required string parameter within its length bounds, or STS's ValidationError. */
function constrained(input: Record<string, unknown>, field: string, min: number, max: number): string {
  const member = field.charAt(0).toLowerCase() + field.slice(1);
  const value = input[field];
  if (typeof value !== 'string') {
    throw validationError(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  if (value.length < min || value.length > max) {
    throw validationError(
      `Value '${value}' at '${member}' failed to satisfy constraint: ` +
        `Member must have length ${value.length < min ? 'greater' : 'less'} than or equal to ${value.length < min ? min : max}`,
    );
  }
  return value;
}

/** `DurationSeconds`, 900 at least, 43200 at most (the API's bounds), 3600 by default. */
function durationOf(input: Record<string, unknown>): number {
  if (input.DurationSeconds === undefined) return DEFAULT_DURATION_SECONDS;
  const duration = Number(input.DurationSeconds);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
    throw validationError(
      `Value '${String(input.DurationSeconds)}' at 'durationSeconds' failed to satisfy constraint: ` +
        `Member must have value ${duration > 43_200 ? 'less than or equal to 43200' : 'greater than or equal to 900'}`,
    );
  }
  return duration;
}

function validationError(detail: string): ServiceError {
  return new ServiceError('ValidationError', `1 validation error detected: ${detail}`);
}
