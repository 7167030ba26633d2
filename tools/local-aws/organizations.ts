/**
 * The AWS Organizations part of the local endpoint: `ListAccounts`, one page at a time with
 * `NextToken`, `MaxResults` within 1-20, and each account's `Status` and its successor `State`;
 * `ListRoots`, the Organization's one root (`r-` and 4 characters, as `LocalOrganizations.ROOT_ID`).
 * Its rules are copied from AWS's API reference on purpose, not imported from the code under test.
 */
import { page, pageSizeOf } from './pagination';
import { type OperationHandler, ServiceError } from './protocols';
import type { MemberRecord, Tenancy } from './tenancy';

/**
 * `ListAccounts` takes 1-20; without `MaxResults` the API uses "a value specific to the
 * operation", which is 20 for ListAccounts in practice.
 */
const ACCOUNT_PAGES = { min: 1, max: 20, default: 20 };

export class LocalOrganizations {
  /** The operations by name. */
  readonly operations: Record<string, OperationHandler> = {
    ListAccounts: (i) => this.listAccounts(i),
    ListRoots: () => this.listRoots(),
  };

  /** The root's ID: an Organization has exactly one root. */
  static readonly ROOT_ID = 'r-a1b2';

  /** @param organizationId the Organization's ID, in account ARNs */
  constructor(
    private readonly tenancy: Tenancy,
    private readonly organizationId: string,
  ) {}

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
    const management = this.tenancy.centralAccountId;
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
    const management = this.tenancy.centralAccountId;
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
