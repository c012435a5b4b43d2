// The _cat APIs with one real node and the official client, from what Elasticsearch's rest-api-spec
// YAML tests assert (cat.nodes, cat.master, cat.nodeattrs, cat.plugins, cat.thread_pool,
// cat.allocation, cat.segments, cat.pending_tasks and cat.indices 10_basic.yml: they match values
// by regex; real values are asserted where this node knows them), and Elastic's cat pages
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/cat.html): `h` with aliases
// and wildcards, `s` with :asc/:desc, `v`, `help`, `bytes`, `time`, `format=json|yaml`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

async function raw(path: string, auth?: { username: string; password: string }): Promise<{ status: number; text: string; contentType: string; body: any }> {
  const headers: Record<string, string> = auth === undefined ? {} : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  const response = await rawRequest(node, 'GET', path, { headers });
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  return { status: response.status, text: response.text, contentType: String(response.headers['content-type']), body };
}

const hostPort = (): string => new URL(node.url).host;

before(async () => {
  node = await startNode({ nodeName: 'cat-1' });
  client = node.client();
  await client.indices.create({ index: 'cat-one', settings: { number_of_replicas: 0 } });
  await client.indices.create({ index: 'cat-two', settings: { number_of_replicas: 1 } });
  for (let id = 0; id < 3; id++) await client.index({ index: 'cat-one', id: String(id), document: { title: `doc ${id}` } });
  await client.index({ index: 'cat-two', id: 'x', document: { title: 'x' } });
  await client.indices.refresh({ index: 'cat-*' });
});

after(async () => {
  await node?.destroy();
});

describe('_cat/nodes (cat.nodes/10_basic.yml)', () => {
  test('default columns: ip, heap.percent, ram.percent, cpu, loads, node.role, master, name', async () => {
    const text = await client.cat.nodes();
    assert.match(
      text as unknown as string,
      /^((\d{1,3}\.){3}\d{1,3}\s+\d+\s+\d*\s+(-)?\d*\s+((-)?\d*(\.\d+)?)?\s+((-)?\d*(\.\d+)?)?\s+((-)?\d*(\.\d+)?)?\s+(-|[cdfhilmrstvwIS]{1,11})\s+[-*x]\s+.*\n)+$/,
    );
    const verbose = (await client.cat.nodes({ v: true })) as unknown as string;
    assert.match(verbose, /^ip\s+heap\.percent\s+ram\.percent\s+cpu\s+load_1m\s+load_5m\s+load_15m\s+node\.role\s+master\s+name\n/);
    assert.match(verbose, / \* +cat-1\n$/);
  });

  test('h with wildcards and aliases; aliases show as headers; right-aligned headers', async () => {
    const heap = (await client.cat.nodes({ h: 'heap.*', v: true })) as unknown as string;
    assert.match(heap, /^\s*heap\.current\s+heap\.percent\s+heap\.max\s*\n(\s+\d+(\.\d+)?[ptgmk]?b\s+\d+\s+\d+(\.\d+)?[ptgmk]?b\n)+$/);
    const descriptors = (await client.cat.nodes({ h: ['file_desc.current', 'file_desc.percent', 'file_desc.max'], v: true })) as unknown as string;
    assert.match(descriptors, /^\s*file_desc\.current\s+file_desc\.percent\s+file_desc\.max\s*\n(\s+(-1|\d+)\s+\d+\s+(-1|\d+)\n)+$/);
    assert.equal(await client.cat.nodes({ h: 'http', v: true }), `http\n${hostPort()}\n`);
    const disk = (await client.cat.nodes({ h: 'disk,dt,du,dup', v: true })) as unknown as string;
    assert.match(disk, /^\s*disk\s+dt\s+du\s+dup\n(\s*\d+(\.\d+)?[ptgmk]?b\s+\d+(\.\d+)?[ptgmk]?b\s+\d+(\.\d+)?[ptgmk]?b\s+(100\.00|\d{1,2}\.\d{2})\n)+$/);
    // A name no column has is skipped, as Elasticsearch does.
    assert.equal(await client.cat.nodes({ h: 'name,no_such_column' }), 'cat-1\n');
  });

  test('full_id, json with real values, bytes and time units', async () => {
    const [info] = Object.entries((await client.nodes.info()).nodes);
    const [nodeId] = info!;
    assert.equal(await client.cat.nodes({ h: 'id' }), `${nodeId.slice(0, 4)}\n`);
    assert.equal(await client.cat.nodes({ h: 'id', full_id: true }), `${nodeId}\n`);
    const [row] = await client.cat.nodes({ format: 'json', h: 'id,pid,name,master,node.role,http_address,version,heap.max,ram.max,uptime', bytes: 'b', time: 'ms', full_id: true });
    const json = row as Record<string, string>;
    assert.equal(json['id'], nodeId);
    assert.equal(json['pid'], String(node.pid));
    assert.equal(json['name'], 'cat-1');
    assert.equal(json['master'], '*');
    assert.match(json['node.role']!, /^[cdfhilmrstvwIS]+$/);
    assert.equal(json['http_address'], hostPort());
    assert.equal(json['version'], (await client.info()).version.number);
    assert.match(json['heap.max']!, /^\d+$/);
    assert.ok(Number(json['ram.max']) > Number(json['heap.max']) / 64, 'ram.max is the machine memory in bytes');
    assert.match(json['uptime']!, /^\d+$/);
    assert.ok(Number(json['uptime']) > 0);
    const [kb] = (await client.cat.nodes({ format: 'json', h: 'ram.max', bytes: 'kb' })) as Record<string, string>[];
    assert.equal(kb!['ram.max'], String(Math.floor(Number(json['ram.max']) / 1024)));
    const [humanUptime] = (await client.cat.nodes({ format: 'json', h: 'uptime' })) as Record<string, string>[];
    assert.match(humanUptime!['uptime']!, /^\d+(\.\d)?(micros|nanos|ms|s|m|h|d)$/);
  });

  test('help lists every column with its aliases and description', async () => {
    const help = (await client.cat.nodes({ help: true })) as unknown as string;
    assert.match(help, /^id +\| id,nodeId +\| unique node id\n/m);
    assert.match(help, /^disk\.avail +\| d,da,disk,diskAvail +\| available disk space\n/m);
    assert.match(help, /^name +\| n +\| node name\n$/m);
  });
});

describe('GET /_nodes/stats (nodes.stats/10_basic.yml): os, process, jvm, fs, transport, ingest', () => {
  test('every section by default; the client\'s metric and node_id narrow it; an unknown metric is a 400', async () => {
    const all = (await client.nodes.stats()) as any;
    assert.deepEqual(all._nodes, { total: 1, successful: 1, failed: 0 });
    const [id, entry] = Object.entries(all.nodes)[0] as [string, any];
    assert.equal(entry.name, 'cat-1');
    assert.ok(entry.jvm.mem.heap_used_in_bytes > 0 && entry.jvm.mem.heap_used_percent >= 0 && entry.jvm.uptime_in_millis > 0);
    assert.ok(entry.os.mem.total_in_bytes >= entry.os.mem.used_in_bytes && entry.os.cpu.percent >= 0);
    assert.ok(entry.process.open_file_descriptors > 0 && entry.process.cpu.total_in_millis > 0);
    assert.ok(entry.fs.total.total_in_bytes >= entry.fs.total.available_in_bytes && entry.fs.data.length === 1);
    const jvmOnly = (await client.nodes.stats({ node_id: '_local', metric: 'jvm' })) as any;
    assert.deepEqual(Object.keys(jvmOnly.nodes[id]).filter((key) => ['jvm', 'os', 'process', 'fs', 'transport', 'ingest'].includes(key)), ['jvm']);
    const byName = (await client.nodes.stats({ node_id: 'cat-*', metric: ['os', 'process'] })) as any;
    assert.deepEqual(Object.keys(byName.nodes), [id]);
    const none = (await client.nodes.stats({ node_id: 'no-such-node' })) as any;
    assert.deepEqual([none._nodes.total, Object.keys(none.nodes)], [0, []]);
    const unknown = await rawRequest(node, 'GET', '/_nodes/stats/no_such_metric');
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /unrecognized metric: \[no_such_metric\]/);
  });
});

describe('GET /_nodes/stats indices metric (cluster-nodes-stats.html, nodes.stats.json): docs, store, segments, shard_stats by level', () => {
  test('the node sums the copies it holds; level=indices and level=shards break them down; index metrics narrow them', async (t) => {
    await client.indices.create({ index: 'nodes-stats-docs', settings: { number_of_shards: 2, number_of_replicas: 0 } });
    // The other tests of this file count this node's indices: this one goes at the end.
    t.after(async () => void (await client.indices.delete({ index: 'nodes-stats-docs' })));
    for (let id = 0; id < 5; id++) await client.index({ index: 'nodes-stats-docs', id: String(id), document: { n: id } });
    await client.delete({ index: 'nodes-stats-docs', id: '4' });
    await client.indices.refresh({ index: 'nodes-stats-docs' });
    const indexStats = (await client.indices.stats({ index: 'nodes-stats-docs', level: 'shards' })) as any;
    const allStats = (await client.indices.stats()) as any;
    const segments = (await client.cat.segments({ format: 'json', h: 'index,shard' })) as Record<string, string>[];

    const node = Object.values(((await client.nodes.stats({ metric: 'indices' })) as any).nodes)[0] as any;
    // Every copy on this node: the index stats of all indices (one copy each here).
    assert.deepEqual(node.indices.docs, allStats._all.total.docs);
    assert.equal(node.indices.store.size_in_bytes, allStats._all.total.store.size_in_bytes);
    assert.equal(node.indices.segments.count, segments.length);
    const started = ((await client.cat.shards({ format: 'json', h: 'state' })) as Record<string, string>[]).filter((row) => row.state === 'STARTED');
    assert.equal(node.indices.shard_stats.total_count, started.length);
    assert.equal(node.indices.indices, undefined);
    assert.equal(node.indices.shards, undefined);
    // The default metrics (`_all`) include `indices`, at node level.
    const all = Object.values(((await client.nodes.stats()) as any).nodes)[0] as any;
    assert.deepEqual(Object.keys(all.indices).sort(), ['docs', 'segments', 'shard_stats', 'store']);

    const byIndex = Object.values(((await client.nodes.stats({ metric: 'indices', level: 'indices' })) as any).nodes)[0] as any;
    const own = byIndex.indices.indices['nodes-stats-docs'];
    assert.deepEqual(own.docs, { count: 4, deleted: indexStats.indices['nodes-stats-docs'].total.docs.deleted });
    assert.equal(own.store.size_in_bytes, indexStats.indices['nodes-stats-docs'].total.store.size_in_bytes);
    assert.equal(own.shard_stats.total_count, 2);
    assert.equal(own.segments.count, segments.filter((row) => row.index === 'nodes-stats-docs').length);
    assert.deepEqual(byIndex.indices.indices['cat-one'].docs.count, 3);

    const byShard = (await client.nodes.stats({ metric: 'indices', level: 'shards' })) as any;
    const [nodeId, entry] = Object.entries(byShard.nodes)[0] as [string, any];
    const copies = entry.indices.shards['nodes-stats-docs'] as Record<string, any>[];
    assert.deepEqual(copies.map((copy) => Object.keys(copy)), [['0'], ['1']]);
    for (const [position, copy] of copies.entries()) {
      const shard = copy[String(position)];
      const expected = indexStats.indices['nodes-stats-docs'].shards[String(position)][0];
      assert.deepEqual(shard.routing, { state: 'STARTED', primary: true, node: nodeId, relocating_node: null });
      assert.deepEqual(shard.docs, expected.docs);
      assert.equal(shard.store.size_in_bytes, expected.store.size_in_bytes);
      assert.deepEqual(shard.seq_no, expected.seq_no);
      assert.equal(shard.shard_stats.total_count, 1);
    }
    assert.equal(copies.reduce((total, copy, position) => total + copy[String(position)].docs.count, 0), 4);

    // `/_nodes/stats/indices/{index_metric}` narrows the sections at every level.
    const docsOnly = Object.values(((await client.nodes.stats({ metric: 'indices', index_metric: 'docs', level: 'indices' })) as any).nodes)[0] as any;
    assert.deepEqual(Object.keys(docsOnly.indices).sort(), ['docs', 'indices']);
    assert.deepEqual(Object.keys(docsOnly.indices.indices['nodes-stats-docs']), ['docs']);
    // A node not selected reports nothing; without the metric there is no section.
    assert.equal((Object.values(((await client.nodes.stats({ metric: 'jvm' })) as any).nodes)[0] as any).indices, undefined);
  });

  test('a bad level, an index metric Strait does not keep or without indices, and the field-list params are 400s naming them', async () => {
    const refused = async (path: string, pattern: RegExp): Promise<void> => {
      const answer = await raw(path);
      assert.equal(answer.status, 400, `${path}: ${answer.text}`);
      assert.equal(answer.body.error.type, 'illegal_argument_exception');
      assert.match(answer.body.error.reason, pattern, path);
    };
    await refused('/_nodes/stats?level=cluster', /^level parameter must be one of \[node\] or \[indices\] or \[shards\] but was \[cluster\]$/);
    await refused('/_nodes/stats/indices?level=nope', /but was \[nope\]/);
    await refused('/_nodes/stats/indices/indexing', /index metric \[indexing\] is not kept by Strait/);
    await refused('/_nodes/stats/indices/no_such', /contains unrecognized index metric: \[no_such\]/);
    await refused('/_nodes/stats/jvm/docs', /contains index metrics \[docs\] but indices stats not requested/);
    await refused('/_nodes/stats/_all/docs', /contains index metrics \[docs\] but all stats requested/);
    await refused('/_nodes/stats/thread_pool', /\[thread_pool\] is not reported by Strait/);
    for (const name of ['fields', 'fielddata_fields', 'completion_fields', 'groups', 'types']) await refused(`/_nodes/stats/indices?${name}=x`, new RegExp(`parameter \\[${name}\\]`));
    await refused('/_nodes/stats?include_segment_file_sizes=true', /include_segment_file_sizes/);
    await refused('/_nodes/stats?include_unloaded_segments=maybe', /only \[true\] or \[false\]/);
    // Level in any case, as NodeStatsLevel reads it; `include_*` false, and unloaded segments (Strait never unloads one), are what it reports.
    const shards = await raw('/_nodes/stats/indices?level=SHARDS&include_segment_file_sizes=false&include_unloaded_segments=true');
    assert.equal(shards.status, 200, shards.text);
    assert.ok((Object.values(shards.body.nodes)[0] as any).indices.shards['cat-one'] !== undefined);
  });
});

describe('GET /_nodes (cluster-nodes-info.html): flat_settings, master_timeout', () => {
  test('settings nested by default, flat with flat_settings=true; master_timeout is refused as Elasticsearch does', async () => {
    const nested = Object.values((await client.nodes.info({ metric: 'settings' })).nodes)[0] as any;
    assert.equal(nested.settings.node.name, 'cat-1');
    assert.equal(nested.settings['node.name'], undefined);
    const flat = Object.values((await client.nodes.info({ metric: 'settings', flat_settings: true })).nodes)[0] as any;
    assert.equal(flat.settings['node.name'], 'cat-1');
    assert.equal(flat.settings['cluster.name'], nested.settings.cluster.name);
    assert.equal(flat.settings.node, undefined);
    assert.deepEqual(Object.keys(flat.settings), Object.keys(flat.settings).sort());
    const byId = Object.values((await raw(`/_nodes/_local/settings?flat_settings=true`)).body.nodes)[0] as any;
    assert.equal(byId.settings['node.name'], 'cat-1');
    const bad = await raw('/_nodes?flat_settings=maybe');
    assert.equal(bad.status, 400, bad.text);
    // RestNodesInfoAction reads `timeout` and the settings format params only.
    const master = await raw('/_nodes?master_timeout=1s');
    assert.equal(master.status, 400, master.text);
    assert.equal(master.body.error.reason, 'request [/_nodes] contains unrecognized parameter: [master_timeout]');
    assert.equal((await raw('/_nodes/settings?timeout=soon')).status, 400);
  });
});

describe('_cat/master, _cat/nodeattrs, _cat/plugins, _cat/thread_pool, _cat/pending_tasks', () => {
  test('master names this node (cat.master/10_basic.yml)', async () => {
    const [nodeId] = Object.keys((await client.nodes.info()).nodes);
    const host = hostPort().replace(/:\d+$/, '');
    assert.equal(await client.cat.master(), `${nodeId} ${host} ${host} cat-1\n`);
    assert.equal(await client.cat.master({ v: true, h: 'id,n' }), `id${' '.repeat(nodeId!.length - 2)} n\n${nodeId} cat-1\n`);
    assert.match((await client.cat.master({ help: true })) as unknown as string, /^id +\| +\| node id\nhost +\| h +\| host name\n/);
  });

  test('nodeattrs: one row per node attribute, as GET /_nodes reports them', async () => {
    const [info] = Object.values((await client.nodes.info()).nodes);
    const attributes = info!.attributes ?? {};
    const rows = (await client.cat.nodeattrs({ format: 'json', h: 'node,attr,value', s: 'attr' })) as Record<string, string>[];
    assert.deepEqual(
      rows,
      Object.keys(attributes)
        .sort()
        .map((attr) => ({ node: 'cat-1', attr, value: attributes[attr] })),
    );
    assert.match((await client.cat.nodeattrs({ help: true })) as unknown as string, /^node +\| name +\| node name\n/);
  });

  test('plugins: Strait has none (cat.plugins/10_basic.yml help)', async () => {
    assert.equal(await client.cat.plugins(), '');
    assert.deepEqual(await client.cat.plugins({ format: 'json' }), []);
    const help = (await client.cat.plugins({ help: true })) as unknown as string;
    assert.match(help, /^id +\| +\| unique node id\nname +\| n +\| node name\ncomponent +\| c +\| component\nversion +\| v +\| component version\ndescription +\| d +\| plugin details\n$/);
  });

  test('thread_pool: the search pool only (the rest runs on one event loop), columns and help as Elasticsearch', async () => {
    // cat.thread_pool/10_basic.yml: node_name, name, active, queue, rejected by default.
    assert.match((await client.cat.threadPool()) as unknown as string, /^\S+ +search +\d+ +\d+ +0\n$/);
    assert.deepEqual(await client.cat.threadPool({ format: 'json', thread_pool_patterns: 'write,flush' }), []);
    const [search] = (await client.cat.threadPool({ format: 'json', thread_pool_patterns: 'write,sea*', h: 'name,type,size,queue_size,core,max,keep_alive' })) as unknown as Record<string, unknown>[];
    assert.deepEqual(search, { name: 'search', type: 'fixed', size: String(availableParallelism()), queue_size: String(availableParallelism() * 1000), core: null, max: null, keep_alive: null });
    const help = (await client.cat.threadPool({ help: true })) as unknown as string;
    assert.match(help, /^node_name +\| nn +\| node name\n/);
    assert.match(help, /\nactive +\| a +\| number of active threads\n/);
    assert.match(help, /\nkeep_alive +\| ka +\| thread keep alive time\n$/);
  });

  test('pending_tasks: none queued', async () => {
    assert.equal(await client.cat.pendingTasks(), '');
    assert.deepEqual(await client.cat.pendingTasks({ format: 'json', time: 'ms' }), []);
    assert.match((await client.cat.pendingTasks({ help: true })) as unknown as string, /^insertOrder +\| o +\| task insertion order\n/);
  });
});

describe('_cat/allocation (cat.allocation/10_basic.yml)', () => {
  test('shards on this node and the unassigned replica; disk figures; bytes; sort', async () => {
    const text = (await client.cat.allocation({ v: true })) as unknown as string;
    assert.match(text, /^\s*shards\s+disk\.indices\s+disk\.used\s+disk\.avail\s+disk\.total\s+disk\.percent\s+host\s+ip\s+node\n/);
    const rows = (await client.cat.allocation({ format: 'json', bytes: 'b', s: 'node' })) as Record<string, string | null>[];
    assert.equal(rows.length, 2);
    const [unassigned, here] = rows;
    assert.deepEqual(unassigned, { shards: '1', 'disk.indices': null, 'disk.used': null, 'disk.avail': null, 'disk.total': null, 'disk.percent': null, host: null, ip: null, node: 'UNASSIGNED' });
    assert.equal(here!['shards'], '2');
    assert.equal(here!['node'], 'cat-1');
    assert.ok(Number(here!['disk.indices']) > 0);
    assert.equal(Number(here!['disk.used']) + Number(here!['disk.avail']), Number(here!['disk.total']));
    assert.equal(here!['disk.percent'], String(Math.floor((Number(here!['disk.used']) * 100) / Number(here!['disk.total']))));
    const descending = (await client.cat.allocation({ format: 'json', h: 'node', s: 'node:desc' })) as Record<string, string>[];
    assert.deepEqual(descending, [{ node: 'cat-1' }, { node: 'UNASSIGNED' }]);
    assert.deepEqual(await client.cat.allocation({ node_id: 'no-such-node', format: 'json', h: 'shards,node' }), [{ shards: '1', node: 'UNASSIGNED' }]);
    assert.match(await client.cat.allocation({ h: 'node.role', node_id: '_local' }) as unknown as string, /^[cdfhilmrstvwIS]+\n\s*\n$/);
  });
});

describe('_cat/segments (cat.segments/10_basic.yml)', () => {
  test('one row per segment of each shard: name, generation, docs, searchable; deletes counted', async () => {
    const text = (await client.cat.segments({ index: 'cat-one', v: true })) as unknown as string;
    assert.match(
      text,
      /^index\s+shard\s+prirep\s+ip\s+segment\s+generation\s+docs\.count\s+docs\.deleted\s+size\s+size\.memory\s+committed\s+searchable\s+version\s+compound\n(cat-one\s+0\s+p\s+(\d{1,3}\.){3}\d{1,3}\s+_\d+\s+\d+\s+\d+\s+\d+\s+.*\s+(true|false)\s+true\s+\S+\s+(true|false)\n)+$/,
    );
    const rows = (await client.cat.segments({ index: 'cat-one', format: 'json', h: 'index,shard,segment,generation,docs.count,docs.deleted,searchable', s: 'generation' })) as Record<string, string>[];
    // A scheduled refresh may have made the three writes searchable in more than one segment.
    assert.ok(rows.length >= 1);
    rows.forEach((row, position) => {
      assert.deepEqual({ index: row['index'], shard: row['shard'], searchable: row['searchable'], 'docs.deleted': row['docs.deleted'] }, { index: 'cat-one', shard: '0', searchable: 'true', 'docs.deleted': '0' });
      // Segment names are _<generation in base 36>, as Lucene names them.
      assert.equal(row['segment'], `_${Number(row['generation']).toString(36)}`);
      if (position > 0) assert.ok(Number(row['generation']) > Number(rows[position - 1]!['generation']));
    });
    assert.equal(rows[0]!['segment'], '_0');
    assert.equal(rows.reduce((sum, row) => sum + Number(row['docs.count']), 0), 3);
    await client.delete({ index: 'cat-one', id: '1', refresh: true });
    const after = (await client.cat.segments({ index: 'cat-one', format: 'json', h: 'docs.count,docs.deleted' })) as Record<string, string>[];
    assert.equal(after.reduce((sum, row) => sum + Number(row['docs.count']), 0), 2);
    assert.equal(after.reduce((sum, row) => sum + Number(row['docs.deleted']), 0), 1);
    const both = (await client.cat.segments({ index: 'cat-*', format: 'json', h: 'index,dc', s: 'index:desc' })) as Record<string, string>[];
    assert.deepEqual(both[0], { index: 'cat-two', dc: '1' });
    assert.equal(both.at(-1)!['index'], 'cat-one');
  });

  test('segments are committed once written, with their file size', async () => {
    let rows: Record<string, string | null>[] = [];
    // Segments are written once the shard has been idle for 2 s (searcher-service.ts refreshLimits).
    for (let attempt = 0; attempt < 40; attempt++) {
      rows = (await client.cat.segments({ index: 'cat-two', format: 'json', h: 'segment,size,committed', bytes: 'b' })) as Record<string, string | null>[];
      if (rows.every((row) => row['committed'] === 'true')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!['committed'], 'true');
    assert.ok(Number(rows[0]!['size']) > 0);
  });

  test('a missing index is index_not_found_exception', async () => {
    const response = await raw('/_cat/segments/no-such-index');
    assert.equal(response.status, 404);
    assert.equal(response.body.error.type, 'index_not_found_exception');
  });
});

describe('the cat table on every _cat API', () => {
  test('format=yaml, unknown formats as text, smile and cbor refused', async () => {
    const yaml = await raw('/_cat/indices/cat-one?format=yaml&h=index,docs.count');
    assert.equal(yaml.status, 200);
    assert.match(yaml.contentType, /^application\/yaml/);
    assert.equal(yaml.text, '---\n- index: "cat-one"\n  docs.count: "2"\n');
    assert.equal((await raw('/_cat/plugins?format=yaml')).text, '--- []\n');
    const text = await raw('/_cat/master?format=txt&h=node');
    assert.equal(text.text, 'cat-1\n');
    const cbor = await raw('/_cat/nodes?format=cbor');
    assert.equal(cbor.status, 400);
    assert.equal(cbor.body.error.type, 'illegal_argument_exception');
  });

  test('bytes: sizes sort by their bytes, print in the unit asked', async () => {
    const human = (await client.cat.indices({ index: 'cat-*', format: 'json', h: 'index,store.size', s: 'store.size:desc,index' })) as Record<string, string>[];
    const exact = (await client.cat.indices({ index: 'cat-*', format: 'json', h: 'index,store.size', s: 'store.size:desc,index', bytes: 'b' })) as Record<string, string>[];
    assert.deepEqual(human.map((row) => row['index']), exact.map((row) => row['index']));
    assert.ok(Number(exact[0]!['store.size']) >= Number(exact[1]!['store.size']));
    for (const row of human) assert.match(row['store.size']!, /^\d+(\.\d)?(b|kb|mb|gb)$/);
    const kb = (await client.cat.indices({ index: 'cat-one', format: 'json', h: 'ss', bytes: 'kb' })) as Record<string, string>[];
    assert.deepEqual(kb, [{ ss: String(Math.floor(Number(exact.find((row) => row['index'] === 'cat-one')!['store.size']) / 1024)) }]);
  });

  test('s: unknown keys are refused; :asc and aliases sort', async () => {
    const unknown = await raw('/_cat/segments?s=nope');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.reason, 'Unable to sort by unknown sort key `nope`');
    const ascending = (await client.cat.indices({ index: 'cat-*', h: 'i', s: 'i:asc' })) as unknown as string;
    assert.equal(ascending, 'cat-one\ncat-two\n');
  });

  test('every _cat API takes the cat response parameters and help', async () => {
    const paths = ['/_cat/indices', '/_cat/count', '/_cat/health', '/_cat/aliases', '/_cat/templates', '/_cat/nodes', '/_cat/master', '/_cat/nodeattrs', '/_cat/plugins', '/_cat/thread_pool', '/_cat/allocation', '/_cat/segments', '/_cat/recovery', '/_cat/pending_tasks'];
    for (const path of paths) {
      const yaml = await raw(`${path}?format=yaml&v=true&ts=false&bytes=b&time=ms&s=${path === '/_cat/count' || path === '/_cat/health' ? 'ts' : ''}`);
      assert.equal(yaml.status, 200, `${path}: ${yaml.text}`);
      assert.match(yaml.text, /^---/, path);
      const help = await raw(`${path}?help`);
      assert.equal(help.status, 200, path);
      assert.match(help.text, /^\S+ +\| [^|]*\| .+\n/, path);
    }
  });

  test('ts=false drops epoch and timestamp from _cat/health and _cat/count', async () => {
    assert.equal((await raw('/_cat/count/cat-one?ts=false')).text, '2\n');
    assert.match((await raw('/_cat/count/cat-one')).text, /^\d+ \d\d:\d\d:\d\d 2\n$/);
    assert.match((await client.cat.health({ ts: false, h: 'cluster,status' })) as unknown as string, /^\S+ yellow\n$/);
  });
});

describe('authorization by the actions Elasticsearch checks', () => {
  before(async () => {
    await client.security.putRole({ name: 'cat_monitor', cluster: ['monitor'], indices: [{ names: ['cat-one'], privileges: ['monitor'] }] });
    await client.security.putRole({ name: 'cat_none', indices: [{ names: ['cat-one'], privileges: ['read'] }] });
    await client.security.putUser({ username: 'watcher', password: 'watcher-password', roles: ['cat_monitor'] });
    await client.security.putUser({ username: 'reader', password: 'reader-password', roles: ['cat_none'] });
  });

  test('monitor reads node tables and the segments of its indices; read alone does not', async () => {
    const watcher = { username: 'watcher', password: 'watcher-password' };
    const reader = { username: 'reader', password: 'reader-password' };
    for (const path of ['/_cat/nodes', '/_cat/master', '/_cat/nodeattrs', '/_cat/plugins', '/_cat/thread_pool', '/_cat/allocation', '/_cat/pending_tasks']) {
      assert.equal((await raw(path, watcher)).status, 200, path);
      const refused = await raw(path, reader);
      assert.equal(refused.status, 403, path);
      assert.equal(refused.body.error.type, 'security_exception');
    }
    const segments = await raw('/_cat/segments/cat-*?format=json&h=index', watcher);
    assert.equal(segments.status, 200);
    assert.deepEqual([...new Set((segments.body as { index: string }[]).map((row) => row.index))], ['cat-one']);
    assert.equal((await raw('/_cat/segments/cat-two', watcher)).status, 403);
    assert.equal((await raw('/_cat/segments/cat-one', reader)).status, 403);
    assert.equal((await raw('/_cat/recovery/cat-one', watcher)).status, 200);
    assert.equal((await raw('/_cat/recovery/cat-one', reader)).status, 403);
  });
});

describe('GET /_cluster/stats (cluster.stats/10_basic.yml, cluster-stats.html)', () => {
  test('this node\'s indices and figures: counts equal _stats and _cat/segments; node filter; monitor privilege', async () => {
    const stats = (await client.cluster.stats()) as any;
    assert.deepEqual(stats._nodes, { total: 1, successful: 1, failed: 0 });
    const root = (await client.info()) as any;
    assert.equal(stats.cluster_name, root.cluster_name);
    assert.equal(stats.cluster_uuid, root.cluster_uuid);
    assert.ok(Number.isInteger(stats.timestamp) && Math.abs(stats.timestamp - Date.now()) < 60_000);
    // cat-two asks for a replica one node cannot hold: yellow, as _cluster/health says.
    assert.equal(stats.status, ((await client.cluster.health()) as any).status);
    assert.equal(stats.status, 'yellow');
    const indexStats = (await client.indices.stats({ metric: ['docs', 'store'] })) as any;
    const indexCount = Object.keys(indexStats.indices).length;
    assert.equal(stats.indices.count, indexCount);
    const shards = indexStats._shards.successful as number;
    assert.equal(stats.indices.shards.total, shards);
    assert.equal(stats.indices.shards.primaries, shards);
    assert.equal(stats.indices.shards.replication, 0);
    assert.deepEqual(stats.indices.shards.index.primaries, { min: 1, max: 1, avg: 1 });
    assert.deepEqual(stats.indices.docs, { count: indexStats._all.primaries.docs.count, deleted: indexStats._all.primaries.docs.deleted });
    assert.ok(stats.indices.docs.count > 0);
    assert.equal(stats.indices.store.size_in_bytes, indexStats._all.total.store.size_in_bytes);
    const segments = (await client.cat.segments({ format: 'json', h: 'index' })) as unknown[];
    assert.equal(stats.indices.segments.count, segments.length);
    assert.deepEqual(stats.nodes.count, { total: 1, coordinating_only: 0, data: 1, data_cold: 0, data_content: 0, data_frozen: 0, data_hot: 0, data_warm: 0, index: 0, ingest: 1, master: 1, ml: 0, remote_cluster_client: 1, search: 0, transform: 0, voting_only: 0 }, JSON.stringify(stats.nodes.count));
    assert.deepEqual(stats.nodes.versions, [root.version.number]);
    assert.equal(stats.nodes.os.available_processors, availableParallelism());
    assert.equal(stats.nodes.os.names[0].count, 1);
    assert.ok(stats.nodes.os.mem.total_in_bytes > 0 && stats.nodes.jvm.mem.heap_used_in_bytes > 0 && stats.nodes.fs.total_in_bytes > 0);
    assert.ok(stats.nodes.process.open_file_descriptors.max > 0);
    assert.deepEqual(stats.nodes.plugins, []);
    assert.deepEqual(stats.nodes.discovery_types, { 'single-node': 1 });
    assert.equal(stats.nodes.packaging_types[0].count, 1);
    assert.equal(typeof stats.nodes.ingest.number_of_pipelines, 'number');
    // A node filter that names no node: nothing selected, nothing counted.
    const none = (await client.cluster.stats({ node_id: 'no-such-node' })) as any;
    assert.deepEqual(none._nodes, { total: 0, successful: 0, failed: 0 });
    assert.equal(none.indices.count, 0);
    assert.equal(none.nodes.count.total, 0);
    assert.equal(((await client.cluster.stats({ node_id: 'cat-1' })) as any).nodes.count.total, 1);
    assert.equal((await raw('/_cluster/stats', { username: 'watcher', password: 'watcher-password' })).status, 200);
    const refused = await raw('/_cluster/stats', { username: 'reader', password: 'reader-password' });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.type, 'security_exception');
    const unknown = await raw('/_cluster/stats?no_such_param=1');
    assert.equal(unknown.status, 400, unknown.text);
    // `timeout` (a nodes request's, BaseNodesRequest) is read: a malformed one is a 400 here and on _nodes/stats.
    assert.equal(((await client.cluster.stats({ timeout: '5s' })) as any).nodes.count.total, 1);
    for (const path of ['/_cluster/stats?timeout=soon', '/_nodes/stats?timeout=soon']) {
      const malformed = await raw(path);
      assert.equal(malformed.status, 400, malformed.text);
      assert.equal(malformed.body.error.type, 'illegal_argument_exception');
    }
  });
});

describe('_cat/recovery (cat.recovery/10_basic.yml)', () => {
  test('an index made here recovered from an empty store (no file: 0.0%, as RecoveryState prints it); json, h, time and bytes', async () => {
    const text = (await client.cat.recovery({ index: 'cat-one', v: true })) as unknown as string;
    assert.match(
      text,
      /^index\s+shard\s+time\s+type\s+stage\s+source_host\s+source_node\s+target_host\s+target_node\s+repository\s+snapshot\s+files\s+files_recovered\s+files_percent\s+files_total\s+bytes\s+bytes_recovered\s+bytes_percent\s+bytes_total\s+translog_ops\s+translog_ops_recovered\s+translog_ops_percent\n(cat-one\s+0\s+\d+(\.\d+)?(micros|nanos|ms|s|m|h|d)\s+empty_store\s+done\s+n\/a\s+n\/a\s+(\d{1,3}\.){3}\d{1,3}\s+cat-1\s+n\/a\s+n\/a\s+0\s+0\s+0\.0%\s+0\s+0b\s+0b\s+0\.0%\s+0b\s+0\s+0\s+100\.0%\n)$/,
    );
    const [row] = (await client.cat.recovery({ index: 'cat-two', format: 'json', h: 'index,shard,type,stage,start_time_millis,stop_time_millis,time', time: 'ms' })) as Record<string, string>[];
    assert.equal(row!['index'], 'cat-two');
    assert.equal(row!['type'], 'empty_store');
    assert.equal(row!['stage'], 'done');
    assert.equal(Number(row!['time']), Number(row!['stop_time_millis']) - Number(row!['start_time_millis']));
    assert.deepEqual(await client.cat.recovery({ index: 'cat-*', active_only: true, format: 'json' }), []);
    assert.equal((await raw('/_cat/recovery/no-such-index')).status, 404);
  });

  test('after a restart every shard recovered from its existing store, all its files reused', async () => {
    node = await node.restart();
    client = node.client();
    const rows = (await client.cat.recovery({ index: 'cat-*', format: 'json', h: 'index,type,files,files_percent,files_total,bytes_total', bytes: 'b', s: 'index' })) as Record<string, string>[];
    assert.deepEqual(rows.map((row) => [row['index'], row['type'], row['files'], row['files_percent']]), [
      ['cat-one', 'existing_store', '0', '100.0%'],
      ['cat-two', 'existing_store', '0', '100.0%'],
    ]);
    for (const row of rows) {
      assert.ok(Number(row['files_total']) >= 1);
      assert.ok(Number(row['bytes_total']) > 0);
    }
  });
});

describe('docs.deleted in _stats and _cat/indices, and _forcemerge (indices-stats.html, indices-forcemerge.html)', () => {
  const stats = async (index: string) => {
    const response = await client.indices.stats({ index, metric: 'docs', level: 'shards' });
    const entry = response.indices![index]!;
    return { primaries: entry.primaries!.docs, total: entry.total!.docs, all: response._all.primaries!.docs, shard: entry.shards!['0']![0]!.docs };
  };
  const catDeleted = async (index: string) => ((await client.cat.indices({ index, format: 'json', h: 'docs.count,docs.deleted' })) as Record<string, string>[])[0];
  const segmentsDeleted = async (index: string) => {
    const rows = (await client.cat.segments({ index, format: 'json', h: 'docs.deleted' })) as Record<string, string>[];
    return { segments: rows.length, deleted: rows.reduce((sum, row) => sum + Number(row['docs.deleted']), 0) };
  };

  test('deletes and overwrites count until a merge drops them; max_num_segments=1 and only_expunge_deletes bring it to 0', async () => {
    const index = 'cat-deleted';
    // No scheduled refresh: the bulk's own refresh makes its ten documents one segment (a scheduled
    // refresh mid-bulk could split them, and a segment all of whose documents are deleted is dropped).
    await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' } });
    await client.bulk({ index, refresh: true, operations: Array.from({ length: 10 }, (_, id) => [{ index: { _id: String(id) } }, { n: id }]).flat() });
    for (const id of ['1', '2', '3']) await client.delete({ index, id });
    await client.indices.refresh({ index });
    const one = { count: 7, deleted: 3 };
    assert.deepEqual(await stats(index), { primaries: one, total: one, all: one, shard: one });
    assert.deepEqual(await catDeleted(index), { 'docs.count': '7', 'docs.deleted': '3' });
    assert.deepEqual(await segmentsDeleted(index), { segments: 1, deleted: 3 });
    // An overwrite deletes the old copy too.
    await client.index({ index, id: '4', document: { n: 40 }, refresh: true });
    assert.deepEqual((await stats(index)).primaries, { count: 7, deleted: 4 });

    const merged = await client.indices.forcemerge({ index, max_num_segments: 1 });
    assert.deepEqual(merged._shards, { total: 1, successful: 1, failed: 0 });
    const none = { count: 7, deleted: 0 };
    assert.deepEqual(await stats(index), { primaries: none, total: none, all: none, shard: none });
    assert.deepEqual(await catDeleted(index), { 'docs.count': '7', 'docs.deleted': '0' });
    assert.deepEqual(await segmentsDeleted(index), { segments: 1, deleted: 0 });
    // The merged segment serves the same documents.
    assert.equal((await client.count({ index })).count, 7);
    assert.equal((await client.search({ index, query: { term: { n: 40 } } })).hits.hits[0]?._id, '4');

    // 2 of 7 deleted (over expunge_deletes_allowed's 10%): expunged.
    await client.delete({ index, id: '5' });
    await client.delete({ index, id: '6', refresh: true });
    assert.deepEqual((await stats(index)).primaries, { count: 5, deleted: 2 });
    await client.indices.forcemerge({ index, only_expunge_deletes: true });
    assert.deepEqual((await stats(index)).primaries, { count: 5, deleted: 0 });
    assert.equal((await client.count({ index })).count, 5);
  });

  test('_forcemerge refuses contradicting or bad parameters with a 400 and merges nothing', async () => {
    const both = await rawRequest(node, 'POST', '/cat-one/_forcemerge?max_num_segments=1&only_expunge_deletes=true');
    assert.equal(both.status, 400);
    const error = JSON.parse(both.text).error;
    assert.equal(error.type, 'action_request_validation_exception');
    assert.equal(error.reason, 'Validation Failed: 1: cannot set only_expunge_deletes and max_num_segments at the same time, those two parameters are mutually exclusive;');
    assert.equal((await rawRequest(node, 'POST', '/cat-one/_forcemerge?max_num_segments=x')).status, 400);
    assert.equal((await rawRequest(node, 'POST', '/cat-one/_forcemerge?wait_for_completion=false')).status, 400);
    assert.equal((await rawRequest(node, 'POST', '/no-such-index/_forcemerge')).status, 404);
  });
});
