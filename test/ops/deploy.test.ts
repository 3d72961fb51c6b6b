import fs from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string | string[];
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
}

const read = (file: string) => fs.readFile(file, 'utf8');

// Docker is not available here: the deploy files are checked statically against the code.
describe('ops/compose.yaml and the deploy files', () => {
  let services: Record<string, Service>;
  let known: Set<string>;
  let stagedoor: [string, Service][];
  beforeAll(async () => {
    services = (
      parse(await read('ops/compose.yaml'), { merge: true }) as { services: Record<string, Service> }
    ).services;
    // Every variable config.ts reads is passed as `env, 'NAME'`.
    known = new Set(
      [...(await read('src/config.ts')).matchAll(/env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!),
    );
    stagedoor = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'ops/Dockerfile');
  });

  it('runs several stagedoor processes, PostgreSQL, Redis, Prometheus and Grafana', () => {
    expect(stagedoor.length).toBeGreaterThanOrEqual(2);
    for (const name of ['postgres', 'redis', 'prometheus', 'grafana']) expect(services).toHaveProperty(name);
    expect(known.size).toBeGreaterThan(20);
  });

  it('sets only variables that src/config.ts knows, and what several processes need', () => {
    for (const [name, service] of stagedoor) {
      const env = service.environment ?? {};
      expect(
        Object.keys(env).filter((key) => !known.has(key)),
        name,
      ).toEqual([]);
      expect(env.REDIS_URL, name).toMatch(/^redis:\/\/redis:6379$/);
      expect(env.DATABASE_URL, name).toMatch(/^postgres:\/\/stagedoor:.*@postgres:5432\/stagedoor$/);
      expect(env.QUEUE_TOKEN_SECRET, name).toBeTruthy(); // the same in every process
    }
  });

  it('agrees on the ports: app, health check, proxy and Prometheus targets', async () => {
    const prometheus = parse(await read('ops/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const proxy = String(services.proxy?.command);
    for (const [name, service] of stagedoor) {
      const port = service.environment!.PORT!;
      expect(service.expose).toEqual([port]);
      expect(service.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/ready`);
      expect(targets).toContain(`${name}:${port}`);
      expect(proxy).toContain(`--to ${name}:${port}`);
    }
    expect(prometheus.scrape_configs[0]!.metrics_path).toBe('/metrics');
    // The alert rules Prometheus loads are the file compose mounts there.
    expect(services.prometheus!.volumes).toContain(`./prometheus/alerts.yml:${prometheus.rule_files[0]}:ro`);
  });

  it('provisions the dashboard where the Grafana provider looks for it', async () => {
    const provider = parse(await read('ops/grafana/provisioning/dashboards/stagedoor.yml')) as {
      providers: { options: { path: string } }[];
    };
    const dashboards = provider.providers[0]!.options.path;
    expect(services.grafana!.volumes).toContain(`./grafana/stagedoor.json:${dashboards}/stagedoor.json:ro`);
    const datasource = parse(await read('ops/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { url: string }[];
    };
    expect(datasource.datasources[0]!.url).toBe('http://prometheus:9090');
    await fs.access('ops/grafana/stagedoor.json');
  });

  it('runs the compiled server in the image and under systemd', async () => {
    await fs.access('src/server.ts'); // compiles to dist/server.js
    expect(await read('ops/Dockerfile')).toMatch(/^CMD \["node", "dist\/server\.js"\]$/m);
    const unit = await read('ops/stagedoor.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node dist\/server\.js$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
  });
});
