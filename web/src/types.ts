// The shapes of the rae server's JSON API: its OpenAPI document's schemas (src/server/openapi.json),
// as scripts/api-types.mjs writes them into src/gen/api.ts before every typecheck, build and test,
// under the names the app uses. Nothing here is written by hand but those names.
import type * as api from './gen/api';

export type User = api.User;
export type Sprite = api.Sprite;
/** One capture or engineer run of the history; times are unix seconds. */
export type Session = api.HistoryEntry;
export type BrowserStart = api.BrowserStarted;
export type BrowserStop = api.BrowserStopped;
/** The capture that is running, if any (`running: false` without one). */
export type BrowserStatus = api.BrowserStatus;
export type RunStart = api.EngineerRunStarted;
export type RunUsage = api.RunUsage;
export type Run = api.EngineerRun;
export type FileEntry = api.FileEntry;
export type Listing = api.DirectoryListing;
export type Checkpoint = api.Checkpoint;
/** The events of an engineer run: an AI run also has message and tool events, and usage events
 * that are the totals of its whole conversation so far. */
export type EngineerEvent = api.Event;
/** The model's tools, as the AI engineer names them in its tool events. */
export type ToolName = api.ToolEvent['tool'];
export type Provider = NonNullable<api.LlmState['provider']>;
/** GET /api/llm: whether a run with a prompt is an AI run, whose key it uses, the budget. */
export type LlmState = api.LlmState;
/** Tokens and cost of model answers (GET /api/usage). */
export type UsageCounts = api.Usage;
export type UsageReport = api.UsageReport;
