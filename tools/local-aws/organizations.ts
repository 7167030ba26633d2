/**
 * The AWS Organizations part of the local endpoint: `ListAccounts`, one page at a time with
 * `NextToken`, `MaxResults` within 1-20, and each account's `Status` and its successor `State`;
 * `ListRoots`, the Organization's one root (`r-` and 4 characters, as `LocalOrganizations.ROOT_ID`);
 * and the tree under it: `ListAccountsForParent` and `ListOrganizationalUnitsForParent`, the direct
 * children of the root or of an organizational unit (`ParentNotFoundException` for another ID).
 * `DescribeOrganization` names the management account (the central account unless told otherwise),
 * and `ListDelegatedAdministrators` the accounts registered for a service principal. Every List
 * operation is refused (`AccessDeniedException`) to an account that is neither the management
 * account nor a delegated administrator, as "This operation can be called only from the
 * organization's management account or by a member account that is a delegated administrator" says.
 * Its rules are copied from AWS's API reference on purpose, not imported from the code under test.
 */
import { page, pageSizeOf } from './pagination';
import { type CallContext, type OperationHandler, ServiceError } from './protocols';
import type { MemberRecord, Tenancy } from './tenancy';

/**
 * The List operations take 1-20; without `MaxResults` the API uses "a value specific to the
 * operation", which is 20 for ListAccounts in practice.
 */
const ACCOUNT_PAGES = { min: 1, max: 20, default: 20 };

/** An organizational unit: under the root or another unit. */
export interface OrganizationalUnit {
  readonly id: string;
  readonly name: string;
  /** @default the root */
  readonly parentId?: string;
}

export class LocalOrganizations {
  /** The root's ID: an Organization has exactly one root. */
  static readonly ROOT_ID = 'r-a1b2';

  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    DescribeOrganization: () => this.describeOrganization(),
    ListDelegatedAdministrators: (i, caller) => {
      this.requireAdministrator(caller);
      const principal = i.ServicePrincipal === undefined ? undefined : String(i.ServicePrincipal);
      const accounts = [...this.delegated]
        .filter(([, principals]) => principal === undefined || principals.has(principal))
        .map(([accountId]) => accountId);
      return {
        DelegatedAdministrators: this.tenancy
          .members()
          .filter((account) => accounts.includes(account.accountId))
          .map((account) => ({ ...this.render(account), DelegationEnabledDate: account.joinedAt / 1000 })),
      };
    },
    ListAccounts: (i, caller) => {
      this.requireAdministrator(caller);
      return this.listAccounts(i);
    },
    ListRoots: (_, caller) => {
      this.requireAdministrator(caller);
      return this.listRoots();
    },
    ListAccountsForParent: (i, caller) => {
      this.requireAdministrator(caller);
      const parentId = this.parentOf(i);
      const children = this.tenancy
        .members()
        .filter((account) => (account.parentId ?? LocalOrganizations.ROOT_ID) === parentId);
      return page(
        children,
        i.NextToken,
        `accounts-of-${parentId}`,
        pageSizeOf(i, ACCOUNT_PAGES),
        'Accounts',
        (a) => this.render(a),
      );
    },
    ListOrganizationalUnitsForParent: (i, caller) => {
      this.requireAdministrator(caller);
      const parentId = this.parentOf(i);
      const children = [...this.units.values()].filter((unit) => unit.parentId === parentId);
      return page(
        children,
        i.NextToken,
        `units-of-${parentId}`,
        pageSizeOf(i, ACCOUNT_PAGES),
        'OrganizationalUnits',
        (unit) => ({
          Id: unit.id,
          Name: unit.name,
          Arn: `arn:aws:organizations::${this.managementAccountId}:ou/${this.organizationId}/${unit.id}`,
        }),
      );
    },
  };

  private readonly units = new Map<string, Required<OrganizationalUnit>>();
  /** Delegated administrators: account ID to the service principals it is registered for. */
  private readonly delegated = new Map<string, Set<string>>();
  private management: string | undefined;

  /** @param organizationId the Organization's ID, in account ARNs */
  constructor(
    private readonly tenancy: Tenancy,
    private readonly organizationId: string,
  ) {}

  /** Adds an organizational unit under its parent (the root by default), which must exist. */
  addOrganizationalUnit(unit: OrganizationalUnit): void {
    const parentId = unit.parentId ?? LocalOrganizations.ROOT_ID;
    if (parentId !== LocalOrganizations.ROOT_ID && !this.units.has(parentId)) {
      throw new Error(`addOrganizationalUnit: no root or unit ${parentId}`);
    }
    this.units.set(unit.id, { id: unit.id, name: unit.name, parentId });
  }

  /** The management account: the central account unless `setManagementAccount` named another. */
  get managementAccountId(): string {
    return this.management ?? this.tenancy.centralAccountId;
  }

  /** Makes another account of the Organization its management account (the central one by default). */
  setManagementAccount(accountId: string): void {
    this.tenancy.requireAccount(accountId, 'setManagementAccount');
    this.management = accountId;
  }

  /** Registers a member account as a delegated administrator for a service principal. */
  registerDelegatedAdministrator(accountId: string, servicePrincipal: string): void {
    this.tenancy.requireAccount(accountId, 'registerDelegatedAdministrator');
    if (accountId === this.managementAccountId) {
      throw new Error(
        'registerDelegatedAdministrator: the management account cannot be a delegated administrator',
      );
    }
    const principals = this.delegated.get(accountId) ?? new Set<string>();
    principals.add(servicePrincipal);
    this.delegated.set(accountId, principals);
  }

  /** Forgets the organizational units, the delegated administrators and another management account. */
  clearUnits(): void {
    this.units.clear();
    this.delegated.clear();
    this.management = undefined;
  }

  /** Refuses a caller that is neither the management account nor a delegated administrator. */
  private requireAdministrator(caller: CallContext): void {
    if (caller.accountId === this.managementAccountId || this.delegated.has(caller.accountId)) return;
    throw new ServiceError(
      'AccessDeniedException',
      "You don't have permissions to access this resource.",
      403,
    );
  }

  private describeOrganization(): Record<string, unknown> {
    const management = this.managementAccountId;
    return {
      Organization: {
        Id: this.organizationId,
        Arn: `arn:aws:organizations::${management}:organization/${this.organizationId}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `arn:aws:organizations::${management}:account/${this.organizationId}/${management}`,
        MasterAccountId: management,
        MasterAccountEmail: `aws+${management}@example.com`,
      },
    };
  }

  /** The request's `ParentId`: the root or a known unit. */
  private parentOf(input: Record<string, unknown>): string {
    const parentId = String(input.ParentId);
    if (parentId !== LocalOrganizations.ROOT_ID && !this.units.has(parentId)) {
      throw new ServiceError(
        'ParentNotFoundException',
        "We can't find a root or OU with the ParentId that you specified.",
      );
    }
    return parentId;
  }

  private listAccounts(input: Record<string, unknown>): Record<string, unknown> {
    const pageSize = pageSizeOf(input, ACCOUNT_PAGES);
    try {
      return page(this.tenancy.members(), input.NextToken, 'accounts', pageSize, 'Accounts', (account) =>
        this.render(account),
      );
    } catch (error: unknown) {
      if (!(error instanceof ServiceError && error.code === 'InvalidNextToken')) throw error;
      // Organizations reports a bad token as invalid input, with a reason.
      throw new ServiceError('InvalidInputException', 'You provided an invalid pagination token.');
    }
  }

  private listRoots(): Record<string, unknown> {
    const management = this.managementAccountId;
    return {
      Roots: [
        {
          Id: LocalOrganizations.ROOT_ID,
          Arn: `arn:aws:organizations::${management}:root/${this.organizationId}/${LocalOrganizations.ROOT_ID}`,
          Name: 'Root',
          PolicyTypes: [],
        },
      ],
    };
  }

  private render(account: MemberRecord): Record<string, unknown> {
    const management = this.managementAccountId;
    return {
      Id: account.accountId,
      Arn: `arn:aws:organizations::${management}:account/${this.organizationId}/${account.accountId}`,
      Email: account.email,
      Name: account.name,
      Status: account.status,
      // `State` supersedes the deprecated `Status`; for these three values they agree.
      State: account.status,
      JoinedMethod: account.accountId === management ? 'CREATED' : 'INVITED',
      JoinedTimestamp: account.joinedAt / 1000,
    };
  }
}
