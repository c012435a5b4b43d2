/**
 * Cross-cluster search figures (issues 4 and 5): the same search against a local index, against
 * the same data via `alias:index` over the certificate model, and over the API key model; and the
 * TLS handshakes the querying node makes during 10,000 cross-cluster searches after warm-up.
 */
import type { Client } from '@elastic/elasticsearch';
import { makeCa, startNode, type StartedNode } from '../test/harness/cluster.js';
import { generateGeonames } from './geonames-corpus.js';

type Measure = (seconds: number, concurrency: number, op: () => Promise<unknown>) => Promise<{ p50_ms: number; p99_ms: number; qps: number; requests: number }>;

async function outboundHandshakes(client: Client): Promise<number> {
  const stats = (await client.transport.request({ method: 'GET', path: '/_nodes/stats/transport' })) as { nodes: Record<string, { transport: { tls_handshakes_outbound: number } }> };
  return Object.values(stats.nodes)[0]!.transport.tls_handshakes_outbound;
}

export async function runCcsBench(options: { seconds: number; measure: Measure; docs?: number }): Promise<Record<string, unknown>> {
  const docs = options.docs ?? 20_000;
  console.log(`cross-cluster search: two clusters on loopback, ${docs} documents on each side…`);
  const ca = makeCa();
  let fc: StartedNode | undefined;
  let qc: StartedNode | undefined;
  try {
    [fc, qc] = await Promise.all([
      startNode({
        ca,
        clusterName: 'bench-fc',
        yaml: [
          'remote_cluster_server.enabled: true',
          'remote_cluster.port: 0',
          'xpack.security.remote_cluster_server.ssl.key: certs/node.key',
          'xpack.security.remote_cluster_server.ssl.certificate: certs/node.crt',
        ].join('\n'),
      }),
      startNode({ ca, clusterName: 'bench-qc', yaml: 'xpack.security.remote_cluster_client.ssl.certificate_authorities: [certs/ca.crt]' }),
    ]);
    const fcClient = fc.client();
    const qcClient = qc.client();
    const documents = generateGeonames(docs, 7).map((doc) => doc.source as Record<string, unknown>);
    for (const client of [fcClient, qcClient]) {
      await client.indices.create({ index: 'geonames', settings: { number_of_replicas: 0 } });
      for (let i = 0; i < documents.length; i += 1000) {
        await client.bulk({ operations: documents.slice(i, i + 1000).flatMap((doc, j) => [{ index: { _index: 'geonames', _id: String(i + j) } }, doc]) });
      }
      await client.indices.refresh({ index: 'geonames' });
    }
    const key = await fcClient.security.createCrossClusterApiKey({ name: 'bench', access: { search: [{ names: ['geonames'] }] } });
    qc.keystoreAdd('cluster.remote.viakey.credentials', key.encoded);
    await qcClient.nodes.reloadSecureSettings();
    await qcClient.cluster.putSettings({
      persistent: {
        'cluster.remote.viacert.seeds': [fc.transportAddress],
        'cluster.remote.viacert.skip_unavailable': false,
        // Both aliases sniff, so the figures compare the security models, not the connection modes.
        'cluster.remote.viakey.seeds': [fc.remoteClusterAddress!],
        'cluster.remote.viakey.skip_unavailable': false,
      },
    });
    const term = String(documents[0]!['description']).split(' ')[0]!;
    const body = { query: { match: { description: term } } };
    const figures: Record<string, unknown> = { docs_per_cluster: docs, term };
    // Warm every path (JIT, caches, connections) before measuring any, so order does not favour one.
    for (let i = 0; i < 1500; i++) await qcClient.search({ index: ['geonames', 'viacert:geonames', 'viakey:geonames'][i % 3]!, ...body });
    for (const [name, index] of [['local', 'geonames'], ['certificate model (viacert:geonames)', 'viacert:geonames'], ['API key model (viakey:geonames)', 'viakey:geonames']] as const) {
      for (const concurrency of [1, 8]) {
        console.log(`ccs ${name} at concurrency ${concurrency} for ${options.seconds}s…`);
        figures[`${name} c${concurrency}`] = await options.measure(options.seconds, concurrency, () => qcClient.search({ index, ...body }));
      }
    }
    // Connection reuse: TLS handshakes made by the querying node during 10,000 searches after warm-up.
    for (const index of ['viacert:geonames', 'viakey:geonames']) await qcClient.search({ index, size: 1 });
    const before = await outboundHandshakes(qcClient);
    for (let i = 0; i < 10_000; i++) await qcClient.search({ index: i % 2 === 0 ? 'viacert:geonames' : 'viakey:geonames', size: 1 });
    figures['tls_handshakes_during_10000_ccs_searches'] = (await outboundHandshakes(qcClient)) - before;
    const p50 = (name: string) => (figures[`${name} c1`] as { p50_ms: number }).p50_ms;
    figures['ccs_overhead_p50_ms'] = {
      certificate_model: Math.round((p50('certificate model (viacert:geonames)') - p50('local')) * 1000) / 1000,
      api_key_model: Math.round((p50('API key model (viakey:geonames)') - p50('local')) * 1000) / 1000,
      api_key_over_certificate_p50_ratio: Math.round((p50('API key model (viakey:geonames)') / p50('certificate model (viacert:geonames)')) * 1000) / 1000,
    };
    return figures;
  } finally {
    await Promise.all([fc?.destroy(), qc?.destroy()]);
  }
}
