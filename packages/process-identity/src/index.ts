// @loop/process-identity: is this pid alive (zombies are dead), and is it still the process we recorded?
export {
  isProcessIdentityError,
  ProcessIdentityError,
  type ProcessIdentityErrorCode,
} from './errors.js';
export { formatPidRecord, type PidRecord, parsePidRecord } from './pid-record.js';
export { isProcessAlive, isValidPid, type ProcessLiveness, processLiveness } from './process-alive.js';
export {
  type ProcessGroupMember,
  processGroupHasLiveMembers,
  processGroupMembers,
  signalProcessGroup,
} from './process-group.js';
export {
  compareProcessIdentity,
  type IdentityMatch,
  isRecordedProcessAlive,
  processIdentity,
} from './process-identity.js';
export {
  CLOCK_TICKS_PER_SECOND,
  hasProcfs,
  listProcStats,
  type ProcfsOptions,
  type ProcStat,
  parseProcStat,
  readBootId,
  readBootTimeMs,
  readProcessEnvironment,
  readProcStat,
} from './procfs.js';
