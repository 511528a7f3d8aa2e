// Public entry of @loop/dashboard: build a model from a run dir or from events, render it, write it, or serve it live.
export { assertRunDir, type BuildModelOptions, buildModel } from './build-model.js';
export {
  type BuildModelFromEventsOptions,
  buildModelFromEvents,
  EVENTS_SOURCE,
} from './build-model-from-events.js';
export {
  type ComparePageModel,
  type CompareRow,
  type CompareStep,
  renderComparePage,
} from './compare-page.js';
export { writeDashboardFile } from './dashboard-file.js';
export { isLoopDashboardError, LoopDashboardError, type LoopDashboardErrorCode } from './errors.js';
export {
  FLEET_INDEX_FILE,
  type FleetWritten,
  fleetPageNames,
  fleetTitle,
  type ReadFleetOptions,
  readFleet,
  type WriteFleetOptions,
  writeFleetDashboard,
} from './fleet-dashboard.js';
export { type FleetServer, type FleetServerOptions, startFleetServer } from './fleet-live-server.js';
export {
  FLEET_MODEL_VERSION,
  type FleetModel,
  type FleetRenderOptions,
  type FleetRun,
  renderFleetPage,
  sortFleetRuns,
} from './fleet-page.js';
export { escapeHtml, escapeJsonForScript } from './html-escape.js';
export { type DashboardServer, type DashboardServerOptions, startDashboardServer } from './live-server.js';
export type { LiveServerOptions } from './live-server-options.js';
export {
  type AttrSeries,
  type BookModel,
  DASHBOARD_MODEL_VERSION,
  type DashboardModel,
  type DashboardReasonRow,
  type DataQuality,
  type DrawdownPoint,
  type PositionChange,
  type RateBucket,
  type RateSeries,
  type ReasonExample,
  type ReasonRow,
  type RestartMark,
  type SkippedLine,
  type SlowestEventRow,
  type SlowestEvents,
  type StageLatencySeries,
  type StageRow,
  type TailEvent,
} from './model.js';
export { liveCsp, type RenderOptions, renderDashboard, renderDashboardBody, STATIC_CSP } from './render.js';
export { RunDirFollower } from './run-dir-follower.js';
