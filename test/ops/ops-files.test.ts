import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { declaredMetrics } from '../helpers/metrics.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  annotations: { summary: string; description: string };
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

// Names of our metrics and of prom-client's default ones, as they appear in PromQL.
const METRIC = /\b(?:stagedoor|nodejs|process)_[a-z0-9_]+/g;
const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

function metricsUsed(expressions: string[]): Set<string> {
  return new Set(expressions.flatMap((expr) => [...expr.matchAll(METRIC)].map((m) => m[0])));
}

describe('the Grafana dashboard and the Prometheus alerts', () => {
  let t: TestApp;
  let exported: Set<string>;
  let rules: Rule[];
  let panels: Panel[];
  beforeAll(async () => {
    t = await createTestApp();
    exported = declaredMetrics((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
    const alerts = parse(await fs.readFile('ops/prometheus/alerts.yml', 'utf8')) as {
      groups: { rules: Rule[] }[];
    };
    rules = alerts.groups.flatMap((group) => group.rules);
    const dashboard = JSON.parse(await fs.readFile('ops/grafana/stagedoor.json', 'utf8')) as {
      panels: Panel[];
    };
    panels = dashboard.panels;
  });
  afterAll(() => t.close());

  const exists = (name: string) => exported.has(name) || exported.has(name.replace(HISTOGRAM_SERIES, ''));

  it('alerts on 5xx rate, p99 latency, a stalled queue, stores, event-loop lag and unpaid holds', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'StagedoorHigh5xxRate',
        'StagedoorHighP99Latency',
        'StagedoorQueueStalled',
        'StagedoorStoreUnavailable',
        'StagedoorEventLoopLag',
        'StagedoorHoldsExpiringUnpaid',
      ]),
    );
    for (const rule of rules) {
      expect(rule.expr.trim()).not.toBe('');
      expect(rule.annotations.summary).toBeTruthy();
      expect(rule.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('alerts use only metrics that /metrics exports', () => {
    const used = metricsUsed(rules.map((rule) => rule.expr));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !exists(name))).toEqual([]);
  });

  it('every dashboard panel queries only metrics that /metrics exports', () => {
    const graphs = panels.filter((panel) => panel.type !== 'row');
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    const used = metricsUsed(graphs.flatMap((panel) => panel.targets!.map((target) => target.expr)));
    expect([...used].filter((name) => !exists(name))).toEqual([]);
    // The dashboard shows every stagedoor metric the app exports.
    const shown = new Set([...used].map((name) => name.replace(HISTOGRAM_SERIES, '')));
    expect([...exported].filter((name) => name.startsWith('stagedoor_') && !shown.has(name))).toEqual([
      'stagedoor_cache_entries',
    ]);
  });
});
