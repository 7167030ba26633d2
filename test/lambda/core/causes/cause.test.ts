import { describe, expect, it } from 'vitest';
import {
  type CauseEvidence,
  type CauseSubject,
  causeOf,
  causeWithoutRead,
} from '../../../../lambda/core/causes';

const PATCH: CauseSubject = {
  taskType: 'RUN_COMMAND',
  taskArn: 'AWS-RunPatchBaseline',
  executionId: '3d2d4864-04b7-4316-84fe-eafff1ea58e3',
  instanceId: 'i-0123456789abcdef0',
  target: 'i-0123456789abcdef0',
  status: 'FAILED',
  statusDetails: 'Failed',
};

function output(fields: Omit<Extract<CauseEvidence, { kind: 'output' }>, 'kind'>): CauseEvidence {
  return { kind: 'output', documentName: 'AWS-RunPatchBaseline', ...fields };
}

const WRAPPER = 'failed to run commands: exit status';

describe('causeWithoutRead', () => {
  it.each([
    ['Delivery Timed Out', 'not delivered: node unreachable (SSM Agent offline or instance stopped)'],
    ['DeliveryTimedOut', 'not delivered: node unreachable (SSM Agent offline or instance stopped)'],
    ['Undeliverable', 'not delivered: node unreachable (SSM Agent offline or instance stopped)'],
    ['Terminated', "not run: the command's error threshold (MaxErrors) was reached"],
    ['Cancelled', 'cancelled'],
    ['InvalidPlatform', "not run: the document does not support the node's platform (InvalidPlatform)"],
  ])('names the cause of %s without a read', (statusDetails, text) => {
    expect(causeWithoutRead({ ...PATCH, statusDetails })?.text).toBe(text);
  });

  it('groups undelivered nodes across tasks: the node was unreachable, whatever was to run', () => {
    const patch = causeWithoutRead({ ...PATCH, statusDetails: 'Undeliverable' });
    const restart = causeWithoutRead({
      ...PATCH,
      taskArn: 'AWS-RunShellScript',
      statusDetails: 'Delivery Timed Out',
    });
    expect(patch?.key).toBe(restart?.key);
  });

  it.each(['RUN_COMMAND', 'AUTOMATION', 'STEP_FUNCTIONS'])(
    'leaves a failed %s target to be read',
    (taskType) => {
      expect(causeWithoutRead({ ...PATCH, taskType })).toBeUndefined();
    },
  );

  it("names a Lambda task's cause from its status details, normalized, keyed by its function", () => {
    // Act
    const cause = causeWithoutRead({
      taskType: 'LAMBDA',
      taskArn: 'arn:aws:lambda:eu-west-1:123456789012:function:SSMPatchHook',
      target: 'target e7265f13-3cc5-4f2f-97a9-7d3ca86c32a6',
      status: 'FAILED',
      statusDetails: 'Task timed out after 3.00 seconds (request 6a002f94-ba37-43fd-99e6-39b71eeeeeee)',
    });

    // Assess
    expect(cause).toEqual({
      key: 'arn:aws:lambda:eu-west-1:123456789012:function:SSMPatchHook/|Task timed out after N.N seconds (request <id>)',
      text: 'Task timed out after N.N seconds (request <id>)',
    });
  });

  it('says "timed out" or "failed" for an unread task type with no status details', () => {
    const timedOut = { taskType: 'LAMBDA', target: 'x', status: 'TIMED_OUT' } as const;
    expect(causeWithoutRead(timedOut)?.text).toBe('timed out');
    expect(causeWithoutRead({ ...timedOut, taskType: 'SOMETHING_NEW', status: 'FAILED' })?.text).toBe(
      'failed',
    );
  });
});

describe('causeOf, on the failures AWS-RunPatchBaseline is known for (research §4)', () => {
  it.each<[string, Omit<Extract<CauseEvidence, { kind: 'output' }>, 'kind'>, string, string?]>([
    [
      'concurrent runs (Python traceback)',
      {
        stderr: `Traceback (most recent call last):\n  File "/tmp/main.py", line 12, in <module>\n    main()\nIOError: [Errno 2] No such file or directory: 'patch-baseline-operations-1.75.tar.gz'\n${WRAPPER} 1`,
      },
      "IOError: [Errno 2] No such file or directory: 'patch-baseline-operations-N.N.tar.gz' (exit status 1)",
    ],
    [
      '/var full (wrapper glued on)',
      {
        stderr: `Unable to extract tar file: /var/log/amazon/ssm/patch-baseline-operations/patch-baseline-operations-1.75.tar.gz.${WRAPPER} 155`,
      },
      'Unable to extract tar file: /var/log/amazon/ssm/patch-baseline-operations/patch-baseline-operations-N.N.tar.gz. (exit status 155)',
      'payload extraction failed: overlapping AWS-RunPatchBaseline runs or /var full',
    ],
    [
      'payload not extracted',
      { stderr: `Unable to load and extract the content of payload, abort.${WRAPPER} 152` },
      'Unable to load and extract the content of payload, abort. (exit status 152)',
      'payload extraction failed: overlapping AWS-RunPatchBaseline runs or /var full',
    ],
    [
      'yum lock (stdout only)',
      {
        stdout:
          '12/20/2019 21:41:47 root [INFO]: Running yum\n12/20/2019 21:41:48 root [INFO]: another process has acquired yum lock, waiting 2 s and retry.',
        responseCode: 1,
      },
      'another process has acquired yum lock, waiting N s and retry. (exit status 1)',
    ],
    [
      '/var/lib/amazon mounted noexec',
      {
        step: 'PatchLinux',
        stderr: `sh: /var/lib/amazon/ssm/i-0123456789abcdef0/document/orchestration/3d2d4864-04b7-4316-84fe-eafff1ea58e3/PatchLinux/_script.sh: Permission denied\n${WRAPPER} 126`,
      },
      'sh: <ssm-dir>/PatchLinux/_script.sh: Permission denied (exit status 126)',
      'script not executable: is /var/lib/amazon mounted noexec?',
    ],
    [
      'S3 payload unreachable',
      {
        stderr: `Unable to download payload: https://s3.eu-west-1.amazonaws.com/aws-ssm-eu-west-1/patchbaselineoperations/linux/payloads/patch-baseline-operations-1.75.tar.gz.${WRAPPER} 156`,
      },
      'Unable to download payload: https://s3.<region>.amazonaws.com/aws-ssm-<region>/patchbaselineoperations/linux/payloads/patch-baseline-operatio… (exit status 156)',
      'payload download failed: S3 endpoint unreachable from node',
    ],
    [
      'Python missing',
      {
        stderr: `An unsupported package manager and python version combination was found. Apt requires Python3 to be installed.\n${WRAPPER} 1`,
      },
      'An unsupported package manager and python version combination was found. Apt requires Python3 to be installed. (exit status 1)',
    ],
    [
      'repository unreachable',
      {
        stdout:
          '07/07/2022 15:52:29 root [INFO]: Loading\n07/07/2022 15:52:29 root [ERROR]: [Errno 256] No more mirrors to try.',
        responseCode: 1,
      },
      '[Errno 256] No more mirrors to try. (exit status 1)',
    ],
    [
      'Windows Update unreachable (PowerShell)',
      {
        step: 'PatchWindows',
        stderr: [
          'Invoke-PatchBaselineOperation : Exception Details: An error occurred when attempting to search Windows Update.',
          'Exception Level 1:',
          ' Error Message: Exception from HRESULT: 0x80072EE2',
          ' Stack Trace: at WUApiLib.IUpdateSearcher.Search(String criteria)',
          'At C:\\ProgramData\\Amazon\\SSM\\InstanceData\\i-02573cafcf\\document\\orchestration\\3d2d4864\\PatchWindows\\_script.ps1:230 char:13',
          '+ $response = Invoke-PatchBaselineOperation -Operation Install',
          '+             ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
          '    + CategoryInfo          : OperationStopped: (Microsoft.Power...) [Invoke-PatchBaselineOperation], Exception',
          '    + FullyQualifiedErrorId : Exception Level 1:',
          `---Error truncated----${WRAPPER} 4294967295`,
        ].join('\r\n'),
      },
      'Error Message: Exception from HRESULT: 0x80072EE2 (exit status 4294967295)',
      'no access to Windows Update / WSUS',
    ],
    [
      'Windows module download (an error record, no Error Message line)',
      {
        step: 'PatchWindows',
        stderr: [
          'PatchWindows_script.ps1 : An error occurred when executing PatchBaselineOperations: Unable to connect to the remote server',
          'At C:\\ProgramData\\Amazon\\SSM\\InstanceData\\i-02573cafcf\\document\\orchestration\\3d2d4864\\PatchWindows\\_script.ps1:14 char:1',
          '+ CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException',
          '+ FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,_script.ps1',
        ].join('\n'),
      },
      'PatchWindows_script.ps1 : An error occurred when executing PatchBaselineOperations: Unable to connect to the remote server',
    ],
    [
      'reboot',
      {
        stdout:
          '01/02/2024 10:11:12 root [INFO]: Installing\n01/02/2024 10:11:13 root [ERROR]: Patching Operation failed with exit code 196 but instance needs reboot\n01/02/2024 10:11:14 root [INFO]: Done',
        responseCode: 1,
      },
      'Patching Operation failed with exit code 196 but instance needs reboot (exit status 1)',
    ],
    [
      'unsupported OS',
      {
        stdout:
          '11/03/2023 01:02:03 root [ERROR]: An error occurred (UnsupportedOperatingSystem) when calling the GetDeployablePatchSnapshotForInstance operation',
        stderr: `Traceback (most recent call last):\n  File "x.py", line 3, in run\n    raise PatchManagerError("Unsupported Operating System", ExitCodes.SNAPSHOT_UNSUPPORTED_OS, e)\nPatchManagerError: Unsupported Operating System\n${WRAPPER} 1`,
      },
      'PatchManagerError: Unsupported Operating System (exit status 1)',
    ],
    [
      'dpkg lock',
      {
        stderr: `E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2345 (unattended-upgr)\n${WRAPPER} 100`,
      },
      'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process N (unattended-upgr) (exit status 100)',
    ],
    [
      'dpkg database locked',
      { stderr: `dpkg: error: dpkg status database is locked by another process\n${WRAPPER} 2` },
      'dpkg: error: dpkg status database is locked by another process (exit status 2)',
    ],
    [
      'disk full',
      { stdout: 'Loaded plugins\nError: [Errno 28] No space left on device', responseCode: 1 },
      'Error: [Errno 28] No space left on device (exit status 1)',
    ],
  ])('%s', (_name, evidence, text, hint) => {
    const cause = causeOf(PATCH, output(evidence));
    expect(cause.text).toBe(text);
    expect(cause.hint).toBe(hint);
    expect(cause.key).toBe(`AWS-RunPatchBaseline/${evidence.step ?? ''}|${text}`);
    expect(cause.step).toBe(evidence.step);
  });
});

describe('causeOf, the grouping key', () => {
  it('gives twelve targets that differ only in instance ID, process ID and time one key', () => {
    // Prepare: the same lock on twelve nodes, each its own node, holder process and time.
    const causes = Array.from({ length: 12 }, (_, n) => {
      const node = `i-0${(0xabc00 + n).toString(16).padStart(16, '0')}`;
      return causeOf(
        { ...PATCH, instanceId: node, target: node },
        output({
          step: 'PatchLinux',
          stdout: `11/28/2026 02:0${n % 10}:1${n % 10} root [INFO]: Running apt-get on ${node}`,
          stderr: `2026-11-28T02:0${n % 10}:1${n % 10}Z ${node} E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process ${1000 + 37 * n} (unattended-upgr)\n${WRAPPER} 100`,
          fullOutput: `s3://patch-logs/${node}/PatchLinux/stderr`,
        }),
      );
    });

    // Assess
    expect(new Set(causes.map((cause) => cause.key)).size).toBe(1);
    expect(causes[0]?.text).toBe(
      '<node> E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process N (unattended-upgr) (exit status 100)',
    );
  });

  it('keeps different exit statuses apart', () => {
    const one = causeOf(PATCH, output({ stderr: `${WRAPPER} 1` }));
    const two = causeOf(PATCH, output({ stderr: `${WRAPPER} 2` }));
    const sameLine = (code: number) =>
      causeOf(PATCH, output({ stderr: `Unable to extract tar file: x.tar.gz.${WRAPPER} ${code}` })).key;
    expect(one.text).toBe('exit status 1');
    expect(one.key).not.toBe(two.key);
    expect(sameLine(152)).not.toBe(sameLine(155));
  });

  it('never merges the Linux and Windows steps of one document', () => {
    const line = { stderr: `Unable to connect to the remote server\n${WRAPPER} 1` };
    const linux = causeOf(PATCH, output({ ...line, step: 'PatchLinux' }));
    const windows = causeOf(PATCH, output({ ...line, step: 'PatchWindows' }));
    expect(linux.text).toBe(windows.text);
    expect(linux.key).not.toBe(windows.key);
  });

  it('keeps the same text from different documents apart', () => {
    const line = { stderr: 'Permission denied' };
    const patch = causeOf(PATCH, output(line));
    const script = causeOf(PATCH, output({ ...line, documentName: 'AWS-RunShellScript' }));
    expect(patch.key).not.toBe(script.key);
  });
});

describe('causeOf, where the line comes from', () => {
  it('takes the line before a traceback the agent cut short, not one of its frames', () => {
    const cause = causeOf(
      PATCH,
      output({
        stderr:
          'patching failed, details follow\nTraceback (most recent call last):\n  File "/x.py", line 9, in run\n    do_it()\n---Error truncated----',
      }),
    );
    expect(cause.text).toBe('patching failed, details follow');
  });

  it('takes the exception a chained traceback was cut after', () => {
    const cause = causeOf(
      PATCH,
      output({
        stderr:
          "KeyError: 'arch'\n\nDuring handling of the above exception, another exception occurred:\n---Error truncated----",
      }),
    );
    expect(cause.text).toBe("KeyError: 'arch'");
  });

  it("reads PowerShell's first Error Message line even without decoration, else its first line", () => {
    const message = causeOf(
      PATCH,
      output({ stderr: 'Error Message: Access to the path is denied.\nStack Trace: at X' }),
    );
    const plain = causeOf(
      PATCH,
      output({ stderr: 'Access is denied.\n+ CategoryInfo          : NotSpecified' }),
    );
    expect(message.text).toBe('Error Message: Access to the path is denied.');
    expect(plain.text).toBe('Access is denied.');
  });

  it('prefers stderr to stdout', () => {
    const cause = causeOf(PATCH, output({ stdout: 'Error: from stdout', stderr: 'from stderr' }));
    expect(cause.text).toBe('from stderr');
  });

  it("reads stdout when stderr holds only the agent's wrapper and markers", () => {
    const cause = causeOf(
      PATCH,
      output({
        stdout: 'step 1\nE: Unable to locate package foo\nstep 3',
        stderr: `----------ERROR-------\n${WRAPPER} 100`,
      }),
    );
    expect(cause.text).toBe('E: Unable to locate package foo (exit status 100)');
  });

  it("splits the 2,500-character Output at the agent's ERROR marker when stderr was not read apart", () => {
    const cause = causeOf(
      PATCH,
      output({
        stdout: `Error: ignored\n----------ERROR-------\nmkdir: cannot create directory: File exists\n${WRAPPER} 1`,
      }),
    );
    expect(cause.text).toBe('mkdir: cannot create directory: File exists (exit status 1)');
  });

  it('says the output was cut before the error, and links the full output', () => {
    const cause = causeOf(
      PATCH,
      output({
        stdout: 'Installing\nInstalled\n--output truncated--',
        responseCode: 1,
        fullOutput: 's3://logs/cmd/stdout',
      }),
    );
    expect(cause).toMatchObject({
      text: 'output truncated before the error (exit status 1)',
      fullOutput: 's3://logs/cmd/stdout',
    });
  });

  it('groups a stdout cut in the 2,500-character Output with the same stdout cut in the deep read', () => {
    // Prepare: the same failure, read from `Output` (its marker, then stderr) and read deeper.
    const head = '12/20/2019 21:41:47 root [INFO]: Running yum\nInstalling';
    const shallow = output({
      stdout: `${head}\n---Output truncated---\n----------ERROR-------\n${WRAPPER} 1\n---Error truncated----`,
    });
    const deep = output({ stdout: `${head}\n--output truncated--`, stderr: `${WRAPPER} 1` });

    // Act
    const [fromOutput, fromDeepRead] = [causeOf(PATCH, shallow), causeOf(PATCH, deep)];

    // Assess
    expect(fromOutput.text).toBe('output truncated before the error (exit status 1)');
    expect(fromOutput.key).toBe(fromDeepRead.key);
  });

  it('takes from a cut stdout only a line that is an error, not one that looks like one', () => {
    const lock =
      '12/20/2019 21:41:48 root [INFO]: another process has acquired yum lock, waiting 2 s and retry.';
    const cut = (lines: string) =>
      causeOf(PATCH, output({ stdout: `${lines}\n---Output truncated---`, responseCode: 1 })).text;
    expect(cut(`${lock}\nCould not resolve host`)).toBe('output truncated before the error (exit status 1)');
    expect(cut(`12/20/2019 21:41:49 root [ERROR]: yum failed\n${lock}`)).toBe('yum failed (exit status 1)');
    expect(cut(`E: Unable to fetch some archives\n${lock}`)).toBe(
      'E: Unable to fetch some archives (exit status 1)',
    );
    expect(cut(`${lock}\nyum.Errors.RepoError: Cannot find a valid baseurl`)).toBe(
      'yum.Errors.RepoError: Cannot find a valid baseurl (exit status 1)',
    );
    expect(cut(`Error Message: Access denied\n${lock}`)).toBe('Error Message: Access denied (exit status 1)');
  });

  it('drops colour codes and control characters before choosing the line', () => {
    const cause = causeOf(
      PATCH,
      output({ stderr: `\u001b[31mE: Could not get lock\u0007\u001b[0m\n\u001b[0m\n${WRAPPER} 100` }),
    );
    expect(cause.text).toBe('E: Could not get lock (exit status 100)');
  });

  it('falls back to the exit status, then the status details', () => {
    expect(causeOf(PATCH, output({ stdout: 'all fine', responseCode: 3 })).text).toBe('exit status 3');
    expect(causeOf(PATCH, output({ statusDetails: 'Failed' })).text).toBe('Failed');
    expect(causeOf(PATCH, output({})).text).toBe('Failed');
    expect(causeOf({ ...PATCH, statusDetails: undefined }, output({})).text).toBe('failed');
  });

  it('says a command that never started did not run', () => {
    expect(causeOf(PATCH, output({ responseCode: -1 })).text).toBe(
      'not run: the command did not start on the node',
    );
  });

  it('says how a target timed out', () => {
    const timedOut = { ...PATCH, status: 'TIMED_OUT' as const, statusDetails: 'Execution Timed Out' };
    expect(causeOf(timedOut, output({})).text).toBe('timed out: no output');
    expect(causeOf(timedOut, output({ stdout: 'Downloading 12 packages' })).text).toBe(
      'timed out: no error line in the output',
    );
    expect(causeOf(timedOut, output({ stderr: 'waiting for cache lock' })).text).toBe(
      'timed out: waiting for cache lock',
    );
    expect(causeOf(PATCH, output({ statusDetails: 'Execution Timed Out' })).text).toBe(
      'timed out: no output',
    );
  });

  it('keeps a long line and its exit status within 160 characters', () => {
    const cause = causeOf(PATCH, output({ stderr: `${'x'.repeat(400)}\n${WRAPPER} 2` }));
    expect(cause.text).toHaveLength(160);
    expect(cause.text.endsWith('… (exit status 2)')).toBe(true);
  });

  it('gives a patch hint only to patch documents', () => {
    const script = causeOf(PATCH, output({ documentName: 'AWS-RunShellScript', stderr: `${WRAPPER} 156` }));
    expect(script.hint).toBeUndefined();
  });
});

describe("causeOf, a service's failure message", () => {
  it('normalizes an Automation step failure: request IDs and encoded authorization messages', () => {
    // Act
    const cause = causeOf(
      { ...PATCH, taskType: 'AUTOMATION', taskArn: 'AWS-RestartEC2Instance' },
      {
        kind: 'message',
        step: 'launchInstance',
        message:
          'Not authorized. Encoded authorization failure message: Xk3f9Q-AbCdEf0123 ' +
          '(Service: AmazonEC2; Status Code: 403; Error Code: UnauthorizedOperation; ' +
          'Request ID: 6a002f94-ba37-43fd-99e6-39b71eeeeeee)',
      },
    );

    // Assess
    expect(cause).toEqual({
      key: `AWS-RestartEC2Instance/launchInstance|${cause.text}`,
      text:
        'Not authorized. Encoded authorization failure message: <encoded> ' +
        '(Service: AmazonEC2; Status Code: 403; Error Code: UnauthorizedOperation; Request ID: <id>)',
      step: 'launchInstance',
    });
  });

  it("normalizes a Step Functions error and its cause's first line", () => {
    const cause = causeOf(
      {
        ...PATCH,
        taskType: 'STEP_FUNCTIONS',
        taskArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Patch',
      },
      {
        kind: 'message',
        message: 'States.TaskFailed: table 123456789012 in eu-west-1 busy since 2026-11-28T02:00:00Z',
      },
    );
    expect(cause.text).toBe('States.TaskFailed: table <account> in <region> busy since <time>');
    expect(cause.step).toBeUndefined();
  });

  it('falls back to the status details when the message is empty', () => {
    expect(causeOf(PATCH, { kind: 'message', message: '  ' }).text).toBe('Failed');
  });

  it('answers from the invocation record alone when no read was needed, whatever the evidence', () => {
    const cause = causeOf(
      { ...PATCH, statusDetails: 'Undeliverable' },
      { kind: 'unavailable', reason: 'Error' },
    );
    expect(cause.text).toMatch(/^not delivered/);
  });
});

describe('causeOf, when the cause could not be read', () => {
  it.each([
    ['Expired', 'output no longer kept: Run Command keeps 30 days'],
    ['Denied', 'not read: the monitor may not read this output (access denied)'],
    ['Throttled', 'not read: the service throttled the reads'],
    ['TimeBudget', 'not read: the time for reading causes ran out'],
    ['Error', 'not read: the read failed'],
    ['OutputInS3', 'output only in S3 (not fetched)'],
  ] as const)('says %s in a plain line', (reason, text) => {
    expect(causeOf(PATCH, { kind: 'unavailable', reason })).toEqual({
      key: `!${reason}|${text}`,
      text,
      unavailable: reason,
    });
  });

  it('links output kept only in S3, never fetching it', () => {
    const cause = causeOf(PATCH, {
      kind: 'unavailable',
      reason: 'OutputInS3',
      fullOutput:
        's3://patch-logs/3d2d4864-04b7-4316-84fe-eafff1ea58e3/i-0123456789abcdef0/awsrunShellScript/stdout',
    });
    expect(cause).toMatchObject({
      text: 'output only in S3: s3://patch-logs/<id>/<node>/awsrunShellScript/stdout',
      fullOutput:
        's3://patch-logs/3d2d4864-04b7-4316-84fe-eafff1ea58e3/i-0123456789abcdef0/awsrunShellScript/stdout',
    });
  });

  it('says Step Functions keeps 90 days', () => {
    const cause = causeOf(
      { ...PATCH, taskType: 'STEP_FUNCTIONS' },
      { kind: 'unavailable', reason: 'Expired' },
    );
    expect(cause.text).toBe('history no longer kept: Step Functions keeps 90 days');
  });
});

describe('causeOf, secrets', () => {
  const SECRETS = [
    'hunter2',
    'AKIAIOSFODNN7EXAMPLE',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'MIIEowIBAAKCAQEA',
    'eyJhbGciOiJIUzI1NiJ9',
    'tok-9f8e7d',
  ];
  const LEAKY = [
    'mysql -u root --password hunter2 failed: Access denied',
    'credentials AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY rejected',
    'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig" failed',
    'export API_TOKEN=tok-9f8e7d; exit 1',
    'mysql -u root -phunter2 -e "select 1": Access denied',
    'curl -u admin:hunter2 https://repo.example.com/x: 401',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  ];

  it.each(LEAKY)('keeps secrets out of text and key: %s', (leak) => {
    // Act: the secret in stderr, in stdout, and in a service's message.
    const causes = [
      causeOf(PATCH, output({ stderr: `${leak}\n${WRAPPER} 1` })),
      causeOf(PATCH, output({ stdout: `Error: ${leak}`, responseCode: 1 })),
      causeOf(PATCH, output({ stdout: `x\n----------ERROR-------\n${leak}` })),
      causeOf(PATCH, { kind: 'message', message: leak }),
      causeOf(PATCH, {
        kind: 'unavailable',
        reason: 'OutputInS3',
        fullOutput: `https://s3.amazonaws.com/b/${leak}`,
      }),
    ];

    // Assess
    for (const cause of causes) {
      for (const secret of SECRETS) {
        expect(JSON.stringify(cause)).not.toContain(secret);
      }
    }
  });
});
