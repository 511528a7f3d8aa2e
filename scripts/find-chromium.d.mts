// Types of find-chromium.mjs for the TypeScript tests that import it.
export declare const CHROMIUM_VARIABLES: readonly string[];
export declare const CHROMIUM_NAMES: readonly string[];
export type ChromiumSearch =
  | { path: string; source: string; error?: undefined }
  | { error: string; path?: undefined };
export declare function findChromium(options?: {
  env?: Record<string, string | undefined>;
  isExecutable?: (path: string) => boolean;
}): ChromiumSearch;
