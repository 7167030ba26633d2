import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (the function's and the construct's own code, in process, fast) and
 * `integration` (the synthesized app: its bundle run on Node 24 against the local AWS endpoint, the
 * load test and the demo), which alone needs the `cdk synth` of the global setup.
 */
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    // Guards against a hang, not budgets: a machine several times slower than usual stays well
    // inside them (no test may depend on the machine's speed).
    testTimeout: 120_000,
    hookTimeout: 600_000,
    env: {
      // Nothing in the tests may reach AWS: no credentials lookup on the network, and any client
      // not pointed at the local endpoint hits a closed loopback port instead of the internet.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTESTTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      POWERTOOLS_DEV: 'true',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'test/bin/**/*.test.ts',
            'test/lambda/**/*.test.ts',
            'test/lib/**/*.test.ts',
            'test/tools/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/docs/**/*.test.ts',
          ],
          globalSetup: ['test/unit-setup.ts'],
        },
      },
      {
        // The packed library in an app of its own (npm run test:package; .ci/run runs it).
        extends: true,
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/*.test.ts'],
          testTimeout: 600_000,
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['contract/**/*.ts', 'lambda/**/*.ts', 'lib/**/*.ts', 'bin/context*.ts'],
      reporter: ['text-summary', 'text'],
      // The pure modules are at or near 100 %; these hold the whole of lambda/ and lib/ where it is.
      thresholds: { lines: 98, branches: 92, functions: 97 },
    },
  },
});
