// @loop/supervisor: keep any command running 24/7 — restart policy, backoff, state file, log, watchdog.

/** Re-exported from `@loop/process-identity`, the one liveness check of Loop. */
export {
  isProcessAlive,
  processGroupHasLiveMembers,
  signalProcessGroup,
} from '@loop/process-identity';
export { type BackoffPolicy, backoffDelayMs, seededRandom } from './backoff.js';
export {
  SUPERVISOR_CHILD_FILE,
  SUPERVISOR_RUN_DIR_ENV,
} from './child-record.js';
export { formatCommandLine, shellQuote } from './command-line.js';
export { resolveCommand } from './command-resolution.js';
export {
  type AttachedDeadMansSwitch,
  attachDeadMansSwitch,
  type DeadMansSwitchCounts,
  type DeadMansSwitchOptions,
  failUrl,
} from './dead-mans-switch.js';
export { isSupervisorError, SupervisorError, type SupervisorErrorCode } from './errors.js';
export {
  EventFanout,
  type EventListener,
  type ListenerFailureCounts,
  type ListenerFailureKind,
} from './event-fanout.js';
export {
  SUPERVISOR_LOCK_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
} from './file-names.js';
export {
  type HeartbeatReading,
  heartbeatAgeMs,
  heartbeatPollMs,
  isHung,
  readHeartbeatMtimeMs,
} from './heartbeat.js';
export {
  NOTIFICATION_KINDS,
  NOTIFICATION_SEVERITY,
  NOTIFICATION_VERSION,
  type Notification,
  type NotificationExit,
  type NotificationKind,
  type NotificationSeverity,
} from './notification.js';
export {
  type ChildHealth,
  NotificationPolicy,
  type NotificationPolicyOptions,
} from './notification-policy.js';
export {
  type AttachedNotifier,
  attachNotifier,
  type NotifierCounts,
  type NotifierOptions,
  notificationEnvironment,
} from './notifier.js';
export {
  MAX_DURATION_S,
  parseExitStatusList,
  type ResolvedSupervisorOptions,
  resolveSupervisorOptions,
  SUPERVISOR_DEFAULTS,
  type SupervisorOptions,
} from './options.js';
export {
  type ChildExit,
  decideAfterExit,
  exitStatusOf,
  HUNG_EXIT_STATUS,
  isFailure,
  isRestartPrevented,
  RESTART_POLICIES,
  type RestartContext,
  type RestartDecision,
  type RestartPolicy,
  type StopReason,
  supervisorExitStatus,
} from './restart-decision.js';
export { acquireRunDirLock, type RunDirLock } from './run-dir-lock.js';
export {
  AtomicJsonFile,
  type ChildExitRecord,
  RECENT_EXITS_KEPT,
  SUPERVISOR_STATE_VERSION,
  type SupervisorState,
  type SupervisorStatus,
} from './state.js';
export { FORWARDED_SIGNALS, type SupervisionOutcome, Supervisor } from './supervisor.js';
export {
  type ChildExitedEvent,
  type ChildStartedEvent,
  type GaveUpEvent,
  type GroupKilledEvent,
  type GroupLeftoverEvent,
  logRecordOf,
  type OrphanStoppingEvent,
  type RestartPreventedEvent,
  type RestartScheduledEvent,
  type SpawnFailedEvent,
  type StateWriteFailedEvent,
  type StoppingEvent,
  SUPERVISOR_LOG_EVENT_NAMES,
  type SupervisorEvent,
  type SupervisorEventOf,
  type SupervisorEventTimes,
  type SupervisorEventType,
  type SupervisorExitedEvent,
  type SupervisorLogRecord,
  type SupervisorStartedEvent,
  type WatchdogKillEvent,
} from './supervisor-events.js';
export { formatLogLine, SupervisorLog } from './supervisor-log.js';
export type { SupervisorStats } from './supervisor-stats.js';
export {
  quoteSystemdArg,
  quoteSystemdEnvironment,
  renderSystemdUnit,
  type SystemdUnitInput,
  startLimitFor,
  systemdPath,
} from './systemd-unit.js';
