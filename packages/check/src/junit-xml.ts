// JUnit XML of threshold verdicts, in the shape GitHub's and GitLab's test reporters read.
import type { ThresholdResult } from './thresholds.js';

/** Options of {@link formatJunitXml}. */
export interface JunitOptions {
  /** The suite's name (default `loop check`). */
  suiteName?: string;
  /** The test cases' `classname` (default `loop.check`). */
  className?: string;
  /** Seconds the check took, for the suite's `time` attribute. */
  timeSeconds?: number;
  /** ISO time the check ran, for the suite's `timestamp` (left out when not given, to keep output stable). */
  timestamp?: string;
  /** Shown as a suite property (`run_dir`). */
  runDir?: string;
}

// XML 1.0 allows only these characters; others (control characters, lone surrogates) are dropped.
const INVALID_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Escapes text for an XML attribute or element. Pure. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * One `<testsuites>` with one `<testsuite>` and a `<testcase>` per threshold; a failed threshold carries a
 * `<failure message="..." type="threshold">` whose message holds the value. Pure.
 */
export function formatJunitXml(results: readonly ThresholdResult[], options: JunitOptions = {}): string {
  const suite = options.suiteName ?? 'loop check';
  const className = options.className ?? 'loop.check';
  const failures = results.filter((r) => !r.passed).length;
  const time = (options.timeSeconds ?? 0).toFixed(3);
  const stamp = options.timestamp === undefined ? '' : ` timestamp="${escapeXml(options.timestamp)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suite)}" tests="${results.length}" failures="${failures}" errors="0" time="${time}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${time}"${stamp}>`,
  ];
  if (options.runDir !== undefined) {
    lines.push('    <properties>');
    lines.push(`      <property name="run_dir" value="${escapeXml(options.runDir)}"/>`);
    lines.push('    </properties>');
  }
  for (const r of results) {
    const open = `    <testcase name="${escapeXml(r.threshold)}" classname="${escapeXml(className)}" time="0"`;
    if (r.passed) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    const detail = [r.message, ...(r.origin === undefined ? [] : [`given by ${r.origin}`])].join('\n');
    lines.push(
      `      <failure message="${escapeXml(r.message)}" type="threshold">${escapeXml(detail)}</failure>`,
    );
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
