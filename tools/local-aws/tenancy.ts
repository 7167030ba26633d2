/**
 * Who is who behind the local endpoint: the Organization's accounts (the central one and its
 * members), the roles that exist in each, the sessions STS issued, and the Regions an account has
 * turned off. It tells whose credentials signed a request (any access key STS did not issue here
 * belongs to the central account), refuses a session signed with the wrong token, after it expired
 * or in a Region its account has off, and keeps member sessions away from the central account's
 * services, as IAM would with a role that allows the SSM reads and nothing else. Its rules are
 * copied from AWS's documentation on purpose, not imported from the code under test.
 */
import { randomBytes } from 'node:crypto';
import { type CallContext, ServiceError, type ServiceName, type Signature } from './protocols';

export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';

/** An account of the Organization, as `addAccount` takes it. */
export interface OrganizationAccount {
  /** 12 digits. */
  readonly accountId: string;
  readonly name: string;
  /** @default 'ACTIVE' */
  readonly status?: AccountStatus;
  /** @default `aws+<accountId>@example.com` */
  readonly email?: string;
  /** The root or organizational unit the account is in. @default the root */
  readonly parentId?: string;
}

/** An account as the Organization keeps it: every field set, and when it joined. */
export interface MemberRecord extends Required<Omit<OrganizationAccount, 'parentId'>> {
  readonly parentId?: string;
  /** Epoch milliseconds (whole seconds), on the endpoint's clock. */
  readonly joinedAt: number;
}

export interface RoleOptions {
  /**
   * The Regions the role's policy lets it call SSM and Step Functions in (an `aws:RequestedRegion` condition); its
   * sessions get `AccessDeniedException` elsewhere. Every Region when omitted.
   */
  readonly regions?: readonly string[];
}

/** A role that exists in an account. */
export interface Role extends RoleOptions {
  /** `AROA...`, as IAM names a role's unique ID. */
  readonly roleId: string;
}

/** Credentials STS issued here, and whose they are. */
export interface IssuedSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly accountId: string;
  readonly roleName: string;
  /** The role's unique ID when the session began. */
  readonly roleId: string;
  readonly sessionName: string;
  /** Epoch milliseconds, on the endpoint's clock. */
  readonly expiresAt: number;
}

const ACCOUNT_ID = /^\d{12}$/;

/** The IAM action a call needs, e.g. `cloudwatch:PutMetricData`. */
export function iamAction(service: ServiceName, operation: string): string {
  return `${ACTION_PREFIX[service]}:${BATCH_ACTIONS[`${service}:${operation}`] ?? operation}`;
}

/**
 * Operations IAM authorizes with another operation's action: "the permission for
 * SendMessageBatch is sqs:SendMessage" (the SQS developer guide's API permissions reference).
 */
const BATCH_ACTIONS: Record<string, string> = {
  'sqs:SendMessageBatch': 'SendMessage',
  'sqs:DeleteMessageBatch': 'DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'ChangeMessageVisibility',
};

/** The IAM action prefix of each service. */
const ACTION_PREFIX: Record<ServiceName, string> = {
  ssm: 'ssm',
  states: 'states',
  monitoring: 'cloudwatch',
  sns: 'sns',
  dynamodb: 'dynamodb',
  sts: 'sts',
  organizations: 'organizations',
  sqs: 'sqs',
};

/** Services a member session may call when its role exists and allows the Region: the read role's. */
const READ_ROLE_SERVICES = new Set<ServiceName>(['ssm', 'states']);

/** Services only the central account's own credentials may call: the member read role allows none. */
const CENTRAL_ONLY = new Set<ServiceName>(['monitoring', 'sns', 'sqs', 'organizations', 'dynamodb']);

/** Each service's error for a request IAM does not allow, as its API reference names it. */
const ACCESS_DENIED: Record<ServiceName, { code: string; statusCode: number }> = {
  ssm: { code: 'AccessDeniedException', statusCode: 400 },
  states: { code: 'AccessDeniedException', statusCode: 400 },
  monitoring: { code: 'AccessDenied', statusCode: 403 },
  sns: { code: 'AuthorizationError', statusCode: 403 },
  dynamodb: { code: 'AccessDeniedException', statusCode: 400 },
  sts: { code: 'AccessDenied', statusCode: 403 },
  organizations: { code: 'AccessDeniedException', statusCode: 403 },
  sqs: { code: 'AccessDenied', statusCode: 403 },
};

/** JSON services say `UnrecognizedClientException`; Query and query-compatible ones `InvalidClientTokenId`. */
const JSON_ONLY = new Set<ServiceName>(['ssm', 'states', 'organizations', 'dynamodb']);

export class Tenancy {
  private readonly accounts = new Map<string, MemberRecord>();
  /** By `<accountId>/<roleName>`. */
  private readonly roles = new Map<string, Role>();
  /** By access key ID; kept across `reset()`, revoked, so an old key never passes for the central account's. */
  private readonly sessions = new Map<string, IssuedSession & { revoked: boolean }>();
  /** `<accountId>/<region>`. */
  private readonly disabledRegions = new Set<string>();

  /**
   * @param centralAccountId the account any key STS did not issue belongs to; a member of the
   *   Organization from the start (its management account, or a delegated administrator)
   * @param now the clock sessions expire by
   */
  constructor(
    readonly centralAccountId: string,
    private readonly now: () => number,
  ) {
    this.addAccount({ accountId: centralAccountId, name: 'Central' });
  }

  /** Registers an account in the Organization, or replaces the one with its ID (keeping when it joined). */
  addAccount(account: OrganizationAccount): void {
    if (!ACCOUNT_ID.test(account.accountId)) {
      throw new Error(`addAccount: ${account.accountId} is not an account ID (12 digits)`);
    }
    this.accounts.set(account.accountId, {
      accountId: account.accountId,
      name: account.name,
      status: account.status ?? 'ACTIVE',
      email: account.email ?? `aws+${account.accountId}@example.com`,
      ...(account.parentId ? { parentId: account.parentId } : {}),
      joinedAt: this.accounts.get(account.accountId)?.joinedAt ?? Math.floor(this.now() / 1000) * 1000,
    });
  }

  /** Every account of the Organization, the central one first, then in the order they were added. */
  members(): readonly MemberRecord[] {
    return [...this.accounts.values()];
  }

  /** Throws a clear error unless `accountId` is in the Organization; `what` names the caller. */
  requireAccount(accountId: string, what: string): void {
    if (!this.accounts.has(accountId)) {
      throw new Error(`${what}: account ${accountId} is not in the Organization; addAccount it first`);
    }
  }

  /** Makes a role exist in an account of the Organization (again, with these options). */
  addRole(accountId: string, roleName: string, options: RoleOptions = {}): void {
    this.requireAccount(accountId, 'addRole');
    if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) throw new Error(`addRole: ${roleName} is not a role name`);
    this.roles.set(`${accountId}/${roleName}`, { roleId: `AROA${randomId(17)}`, ...options });
  }

  /** Deletes a role: it can no longer be assumed, and its sessions are refused by SSM. */
  removeRole(accountId: string, roleName: string): void {
    this.roles.delete(`${accountId}/${roleName}`);
  }

  role(accountId: string, roleName: string): Role | undefined {
    return this.roles.get(`${accountId}/${roleName}`);
  }

  /** Turns an opt-in Region off for an account: its credentials are not valid there. */
  disableRegion(accountId: string, region: string): void {
    this.requireAccount(accountId, 'disableRegion');
    this.disabledRegions.add(`${accountId}/${region}`);
  }

  /** New credentials for a session of an existing role, valid for `durationSeconds`. */
  issue(accountId: string, roleName: string, sessionName: string, durationSeconds: number): IssuedSession {
    const role = this.role(accountId, roleName);
    if (!role) throw new Error(`issue: role ${roleName} does not exist in ${accountId}`);
    const session: IssuedSession = {
      accessKeyId: `ASIA${randomId(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`,
      accountId,
      roleName,
      roleId: role.roleId,
      sessionName,
      expiresAt: this.now() + durationSeconds * 1000,
    };
    this.sessions.set(session.accessKeyId, { ...session, revoked: false });
    return session;
  }

  /** Who signed a request: the issued session its key belongs to, else the central account. */
  callerOf(signature: Signature): CallContext {
    const session = this.sessions.get(signature.accessKeyId);
    const base = { region: signature.region, accessKeyId: signature.accessKeyId };
    if (!session) {
      return {
        ...base,
        accountId: this.centralAccountId,
        principalArn: `arn:aws:iam::${this.centralAccountId}:user/central`,
        assumed: false,
      };
    }
    return {
      ...base,
      accountId: session.accountId,
      principalArn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
      assumed: true,
    };
  }

  /** GetCallerIdentity's `UserId`: `<roleId>:<sessionName>` for a session, else the access key ID. */
  userIdOf(accessKeyId: string): string {
    const session = this.sessions.get(accessKeyId);
    return session ? `${session.roleId}:${session.sessionName}` : accessKeyId;
  }

  /** The role an issued key is a session of; undefined for the central account's own keys. */
  roleOf(accessKeyId: string): string | undefined {
    return this.sessions.get(accessKeyId)?.roleName;
  }

  /**
   * Throws the service's error when an issued key comes without its session token (or another
   * one), after it expired or was revoked by `reset()`, or when the signer's account has the
   * Region off.
   */
  authenticate(service: ServiceName, caller: CallContext, sessionToken: string | undefined): void {
    const session = this.sessions.get(caller.accessKeyId);
    if (session && (session.revoked || session.sessionToken !== sessionToken)) {
      throw invalidToken(service);
    }
    if (session && this.now() >= session.expiresAt) throw expiredToken(service);
    if (this.disabledRegions.has(`${caller.accountId}/${caller.region}`)) {
      if (service === 'sts') {
        throw new ServiceError(
          'RegionDisabledException',
          `STS is not activated in this region for account:${caller.accountId}. ` +
            'Your account administrator can activate STS in this region using the IAM Console.',
          403,
        );
      }
      throw invalidToken(service);
    }
  }

  /**
   * Throws the service's access-denied error when a member session calls a central-only service,
   * or SSM or Step Functions after its role was deleted or in a Region the role's policy leaves out.
   */
  authorize(service: ServiceName, operation: string, caller: CallContext): void {
    if (!caller.assumed) return;
    const roleName = this.roleOf(caller.accessKeyId) ?? '';
    const role = this.role(caller.accountId, roleName);
    const refused =
      CENTRAL_ONLY.has(service) ||
      (READ_ROLE_SERVICES.has(service) &&
        (!role || (role.regions !== undefined && !role.regions.includes(caller.region))));
    if (refused) throw accessDenied(service, operation, caller);
  }

  /** Forgets the member accounts, roles and disabled Regions, and revokes every issued session. */
  reset(): void {
    const central = this.accounts.get(this.centralAccountId);
    this.accounts.clear();
    if (central) this.accounts.set(central.accountId, central);
    this.roles.clear();
    this.disabledRegions.clear();
    for (const session of this.sessions.values()) session.revoked = true;
  }
}

/** The service's error for a call IAM does not allow, naming the action and the signer. */
export function accessDenied(service: ServiceName, operation: string, caller: CallContext): ServiceError {
  const action = iamAction(service, operation);
  const { code, statusCode } = ACCESS_DENIED[service];
  return new ServiceError(
    code,
    `User: ${caller.principalArn} is not authorized to perform: ${action} ` +
      `because no identity-based policy allows the ${action} action`,
    statusCode,
  );
}

/** STS's and IAM's access-denied error, for `AssumeRole`. */
export function assumeRoleDenied(caller: CallContext, roleArn: string): ServiceError {
  const { code, statusCode } = ACCESS_DENIED.sts;
  return new ServiceError(
    code,
    `User: ${caller.principalArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    statusCode,
  );
}

function invalidToken(service: ServiceName): ServiceError {
  const message = 'The security token included in the request is invalid.';
  return JSON_ONLY.has(service)
    ? new ServiceError('UnrecognizedClientException', message, 400)
    : new ServiceError('InvalidClientTokenId', message, 403);
}

function expiredToken(service: ServiceName): ServiceError {
  const message = 'The security token included in the request is expired';
  return JSON_ONLY.has(service)
    ? new ServiceError('ExpiredTokenException', message, 400)
    : new ServiceError('ExpiredToken', message, 403);
}

/** Upper-case letters and digits, as in access key and role IDs. */
function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}
