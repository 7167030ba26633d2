/**
 * The library's public API: the construct, its props and the types they use. Everything exported
 * here is compiled by jsii for TypeScript, Python, Java, .NET and Go.
 */
export type { HealthAlarms } from './alarms';
export { MaintenanceWindowMonitor } from './maintenance-window-monitor';
export {
  LogLevel,
  type MaintenanceWindowMonitorProps,
  Reporting,
  type SlackChannel,
  type TeamsChannel,
} from './props';
