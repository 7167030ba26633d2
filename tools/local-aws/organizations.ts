/**
 * The AWS Organizations part of the local endpoint: `ListAccounts`, one page at a time with
 * `NextToken`, `MaxResults` within 1-20, and each account's `Status` and its successor `State`;
 * `ListRoots`, the Organization's one root (`r-` and 4 characters, as `LocalOrganizations.ROOT_ID`);
 * and the tree under it: `ListAccountsForParent` and `ListOrganizationalUnitsForParent`, the direct
 * children of the root or of an organizational unit (`ParentNotFoundException` for another ID);
 * `DescribeOrganization`, whose `MasterAccountId` is the management account (the central one
 * unless `setManagementAccount` names another).
 * Its rules are copied from AWS's API reference on purpose, not imported from the code under test.
 */
import { page, pageSizeOf } from './pagination';
import { type OperationHandler, ServiceError } from './protocols';
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
    ListAccounts: (i) => this.listAccounts(i),
    ListRoots: () => this.listRoots(),
    DescribeOrganization: () => ({
      Organization: {
        Id: this.organizationId,
        Arn: `arn:aws:organizations::${this.management}:organization/${this.organizationId}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `arn:aws:organizations::${this.management}:account/${this.organizationId}/${this.management}`,
        MasterAccountId: this.management,
        MasterAccountEmail: `aws+${this.management}@example.com`,
        AvailablePolicyTypes: [],
      },
    }),
    ListAccountsForParent: (i) => {
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
    ListOrganizationalUnitsForParent: (i) => {
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
          Arn: `arn:aws:organizations::${this.tenancy.centralAccountId}:ou/${this.organizationId}/${unit.id}`,
        }),
      );
    },
  };

  private readonly units = new Map<string, Required<OrganizationalUnit>>();
  private managementAccountId: string | undefined;

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

  /** Makes an account of the Organization its management account; `undefined`: the central one. */
  setManagementAccount(accountId: string | undefined): void {
    if (accountId !== undefined) this.tenancy.requireAccount(accountId, 'setManagementAccount');
    this.managementAccountId = accountId;
  }

  /** The management account: it owns the Organization, and every ARN in it names it. */
  private get management(): string {
    return this.managementAccountId ?? this.tenancy.centralAccountId;
  }

  /** Forgets the organizational units and the management account set. */
  clearUnits(): void {
    this.units.clear();
    this.managementAccountId = undefined;
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
    const management = this.management;
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
    const management = this.management;
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
