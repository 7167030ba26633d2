import { describe, expect, it } from 'vitest';
import { MAX_CAUSE_TEXT, normalize, redact } from '../../../../lambda/core/causes';

describe('normalize', () => {
  it.each([
    ['timestamps and logger prefix', '12/20/2019 21:41:48 root [ERROR]: yum failed', 'yum failed'],
    ['ISO 8601 timestamp', '2026-11-28T02:00:00.123Z | Error | disk full', 'disk full'],
    ['logged time with milliseconds', '2024-01-02 03:04:05,678 [ERROR] boom', 'boom'],
    ['syslog time inside a line', 'since Dec  2 12:06:32 the lock is held', 'since <time> the lock is held'],
    ['node IDs', 'node i-0123456789abcdef0 and mi-0123456789abcdef0 failed', 'node <node> and <node> failed'],
    ['UUIDs', 'command 3d2d4864-04b7-4316-84fe-eafff1ea58e3 failed', 'command <id> failed'],
    ['IPv4 and IPv6', 'refused by 10.1.2.3 and fe80::1ff:fe23:4567:890a', 'refused by <ip> and <ip>'],
    [
      'hostnames, not AWS endpoints',
      'from repo.corp.example.com via s3.eu-west-1.amazonaws.com',
      'from <host> via s3.<region>.amazonaws.com',
    ],
    [
      'EC2 host names',
      'ip-10-0-1-5.eu-west-1.compute.internal and ip-10-0-1-6 and EC2AMAZ-AB12CD3',
      '<host> and <host> and <host>',
    ],
    [
      'file names are not hosts',
      'patch-baseline-operations-1.75.tar.gz and _script.sh and System.Net.WebException',
      'patch-baseline-operations-N.N.tar.gz and _script.sh and System.Net.WebException',
    ],
    [
      'account IDs and Regions',
      'arn:aws:iam::123456789012:role/x in us-gov-west-1',
      'arn:aws:iam::<account>:role/x in <region>',
    ],
    ['hex runs', 'digest 9f86d081884c7d659a2feaa0c55ad015 mismatch', 'digest <hex> mismatch'],
    [
      'SSM working directory (Linux)',
      'sh: /var/lib/amazon/ssm/i-0abc12345678/document/orchestration/3d2d4864-04b7-4316-84fe-eafff1ea58e3/PatchLinux/_script.sh: Permission denied',
      'sh: <ssm-dir>/PatchLinux/_script.sh: Permission denied',
    ],
    [
      'SSM working directory (Windows)',
      'At C:\\ProgramData\\Amazon\\SSM\\InstanceData\\i-02573cafcf\\document\\orchestration\\abc\\PatchWindows\\_script.ps1',
      'At <ssm-dir>\\PatchWindows\\_script.ps1',
    ],
    [
      'numbers, not the codes that are the cause',
      'process 2345 exited: exit status 100, exit code 196, [Errno 28], HRESULT: 0x80072EE2, Status Code: 403, code 0x80240437',
      'process N exited: exit status 100, exit code 196, [Errno 28], HRESULT: 0x80072EE2, Status Code: 403, code 0x80240437',
    ],
    [
      'digits inside words stay',
      'Apt requires Python3; see PatchWindows_script.ps1 on x86_64',
      'Apt requires Python3; see PatchWindows_script.ps1 on x86_64',
    ],
    [
      'request IDs and encoded messages',
      'Encoded authorization failure message: AbC-12_x (Request ID: 6A002F94ABCD)',
      'Encoded authorization failure message: <encoded> (Request ID: <id>)',
    ],
    ['whitespace', '  a \t b\n c  ', 'a b c'],
  ])('%s', (_name, line, expected) => {
    expect(normalize(line)).toBe(expected);
  });

  it('cuts to 160 characters on a character boundary, never inside a surrogate pair', () => {
    // Prepare: 300 characters, each a surrogate pair (two UTF-16 units).
    const line = '😀'.repeat(300);

    // Act
    const text = normalize(line);

    // Assess
    expect(Array.from(text)).toHaveLength(MAX_CAUSE_TEXT);
    expect(text.endsWith('😀…')).toBe(true);
    expect(normalize('short')).toBe('short');
  });
});

describe('redact', () => {
  it.each([
    ['an access key ID', 'key AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE'],
    ['a session key ID', 'ASIAY34FZKBOKMUTVV7A expired', 'ASIAY34FZKBOKMUTVV7A'],
    [
      'a secret access key',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI',
    ],
    ['a bare secret access key', 'using wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY now', 'wJalrXUtnFEMI'],
    ['password=', 'mysql: PASSWORD=hunter2 rejected', 'hunter2'],
    ['passwd:', 'passwd: "s3cr3t value" wrong', 's3cr3t'],
    ['JSON token', '{"token": "tok-abc-123"}', 'tok-abc-123'],
    ['api key', 'x-api-key: k3y-v4lue', 'k3y-v4lue'],
    ['a password flag', 'mysql --password hunter3 failed', 'hunter3'],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'eyJhbGci'],
    ['a bare JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl leaked', 'c2lnbmF0dXJl'],
    ['credentials in a URL', 'fetch https://deploy:pa55word@git.example.com/repo failed', 'pa55word'],
    [
      'a PEM private key',
      'x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\ny',
      'MIIEowIBAAKCAQEA',
    ],
    [
      'a PEM key cut short',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA',
      'b3BlbnNzaC1rZXktdjEAAAAA',
    ],
    ['a password glued to mysql -p', 'mysql -u root -pS3cr3tPass! -e "select 1"', 'S3cr3tPass'],
    ['an sshpass password', 'sshpass -p hunter2 ssh -p 22 deploy@host failed', 'hunter2'],
    ['a curl user password', 'curl -u admin:hunter2 https://repo/x: 401', 'hunter2'],
    ['a _PASS variable', 'DB_PASS=hunter2 ./migrate.sh', 'hunter2'],
    ['a passphrase', 'passphrase: hunter2', 'hunter2'],
    ['a secret after a space', 'client_secret hunter2 rejected', 'hunter2'],
    ['a password after "with password"', "Login failed for user 'sa' with password hunter2", 'hunter2'],
    ['a PowerShell plain-text password', 'ConvertTo-SecureString "hunter2" -AsPlainText -Force', 'hunter2'],
    ['a piped PowerShell password', "'hunter2' | ConvertTo-SecureString -AsPlainText", 'hunter2'],
    ['a GitHub token', 'git clone with ghp_16C7e42F292c6912E7710c838347Ae178B4a failed', 'ghp_16C7'],
    ['a GitHub OAuth token', 'token gho_16C7e42F292c6912E7710c838347Ae178B4a', '16C7e42F292c'],
    ['a GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop', '11ABCDEFG'],
    ['a GitLab token', 'remote: glpat-xxxxXXXX1234yyyyZZZZ denied', 'xxxxXXXX1234'],
    ['a Slack token', 'slack xoxb-1234567890-0987654321-AbCdEfGh failed', '1234567890'],
    [
      'an Azure account key',
      'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=dGhpcyBpcyBub3QgYSByZWFsIGtleQ+/ab==;EndpointSuffix=core',
      'dGhpcyBpcyBub3Q',
    ],
    [
      'a PGP private key block',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0Zxx\n-----END PGP PRIVATE KEY BLOCK-----',
      'lQOYBF0Zxx',
    ],
    ['a secret access key after =', 'key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
  ])('removes %s', (_name, text, secret) => {
    const redacted = redact(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('<redacted>');
  });
});

describe('redact, what it keeps', () => {
  it.each([
    [
      'a URL password containing @, up to the last @ before the host',
      'fetch https://user:p@ss@w0rd@git.example.com/repo failed',
      'fetch https://user:<redacted>@git.example.com/repo failed',
    ],
    ['a URL with a port and no credentials', 'https://host:8443/a?b=c@d', 'https://host:8443/a?b=c@d'],
    [
      'flags that are not passwords',
      'mkdir -p /x && ssh -p 22 host && mysql -P 3306',
      'mkdir -p /x && ssh -p 22 host && mysql -P 3306',
    ],
    ['a bypass is not a password', 'bypass: on; tests passed: 3', 'bypass: on; tests passed: 3'],
    [
      'ANSI colours and other control characters, not tabs or line breaks',
      '\u001b[31mError:\u001b[0m disk\u0007 full\u0000\u007f\u001b]0;title\u0007\ta\r\nb',
      'Error: disk full\ta\r\nb',
    ],
  ])('%s', (_name, text, expected) => {
    expect(redact(text)).toBe(expected);
  });
});
