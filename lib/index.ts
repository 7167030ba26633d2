/**
 * The library's public API: the constructs, their props and the types they use. Everything
 * exported here is compiled by jsii for TypeScript, Python, Java, .NET and Go.
 */
export type { HealthAlarms } from './alarms';
export { MaintenanceWindowMonitor } from './maintenance-window-monitor';
export { MaintenanceWindowMonitorMember, type MaintenanceWindowMonitorMemberProps } from './member';
export {
  FailureCauses,
  LogLevel,
  type MaintenanceWindowMonitorProps,
  OrganizationMetricDetail,
  type OrganizationOptions,
  Reporting,
  type SlackChannel,
  type TeamsChannel,
} from './props';
export type { OrganizationAlarms } from './reach/organization-alarms';
export { MonitorReach } from './reach/reach';
