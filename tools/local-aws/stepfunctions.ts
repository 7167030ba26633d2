/**
 * The Step Functions part of the local endpoint (signing name `states`, AWS JSON 1.0,
 * `X-Amz-Target: AWSStepFunctions.<Operation>`): the executions it knows in one account and
 * Region, and `DescribeExecution` with the API reference's ARN check, `ExecutionDoesNotExist` and
 * the limits of `error` (256 characters) and `cause` (32,768), served as heads.
 */
import { type OperationHandler, ServiceError } from './protocols';

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface FakeStateMachineExecution {
  /** `arn:<partition>:states:<region>:<account>:execution:<stateMachine>:<name>`. */
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  /** @default the endpoint's clock when added */
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly input?: string;
}

export const MAX_ERROR = 256;
export const MAX_CAUSE = 32_768;
/** An execution ARN, with what it names. */
const EXECUTION_ARN =
  /^arn:(aws[\w-]*):states:([a-z0-9-]+):(\d{12}):execution:([\w.-]{1,80}):([\w.-]{1,80})$/;

/** The parts of a standard execution's ARN, or undefined when it is not one. */
export function parseExecutionArn(
  arn: string,
): { partition: string; region: string; accountId: string; stateMachine: string; name: string } | undefined {
  const [, partition, region, accountId, stateMachine, name] = EXECUTION_ARN.exec(arn) ?? [];
  return partition && region && accountId && stateMachine && name
    ? { partition, region, accountId, stateMachine, name }
    : undefined;
}

export class LocalStepFunctions {
  readonly operations: Record<string, OperationHandler> = {
    DescribeExecution: (i) => this.describeExecution(i),
  };

  private readonly executions = new Map<string, FakeStateMachineExecution & { startDate: Date }>();

  /**
   * @param tenant the account and Region this store serves: an execution's ARN must name them
   * @param now the clock an execution without `startDate` is dated by
   */
  constructor(
    private readonly tenant: { readonly accountId: string; readonly region: string },
    private readonly now: () => number,
  ) {}

  /** Adds (or replaces) an execution; its ARN must be one of this account and Region. */
  addExecution(execution: FakeStateMachineExecution): void {
    const arn = parseExecutionArn(execution.executionArn);
    if (arn?.accountId !== this.tenant.accountId || arn.region !== this.tenant.region) {
      throw new Error(
        `addStepFunctionsExecution: ${execution.executionArn} is not an execution ARN of ${this.tenant.accountId} in ${this.tenant.region}`,
      );
    }
    this.executions.set(execution.executionArn, {
      ...execution,
      startDate: execution.startDate ?? new Date(this.now()),
    });
  }

  private describeExecution(input: Record<string, unknown>): Record<string, unknown> {
    const executionArn = input.executionArn;
    if (typeof executionArn !== 'string' || executionArn.length < 1 || executionArn.length > 256) {
      throw new ServiceError(
        'ValidationException',
        "1 validation error detected: Value at 'executionArn' failed to satisfy constraint: Member must have length between 1 and 256",
      );
    }
    const arn = parseExecutionArn(executionArn);
    if (!arn) throw new ServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context'`);
    const execution = this.executions.get(executionArn);
    if (!execution)
      throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return {
      executionArn,
      stateMachineArn: `arn:${arn.partition}:states:${arn.region}:${arn.accountId}:stateMachine:${arn.stateMachine}`,
      name: arn.name,
      status: execution.status,
      startDate: execution.startDate.getTime() / 1000,
      ...(execution.stopDate ? { stopDate: execution.stopDate.getTime() / 1000 } : {}),
      ...(execution.input !== undefined ? { input: execution.input } : {}),
      ...(execution.error !== undefined ? { error: execution.error.slice(0, MAX_ERROR) } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause.slice(0, MAX_CAUSE) } : {}),
    };
  }
}
