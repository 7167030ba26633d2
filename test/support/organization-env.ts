/**
 * The environment the construct gives the central functions in Organization mode (the settings
 * beyond one account's), for the tests that build those functions from their environment.
 */
export const ORGANIZATION_ENV = {
  ORGANIZATION_ID: 'o-a1b2c3d4e5',
  ORGANIZATION_REGIONS: 'us-east-1,eu-west-1',
  ROLE_PREFIX: 'MaintenanceWindowMonitor',
  CENTRAL_ACCOUNT_ID: '123456789012',
  ORG_METRIC_DETAIL: 'account',
} as const;
