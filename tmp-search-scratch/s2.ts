import { startNode } from '../test/harness/cluster.js';
const node = await startNode({ security: false });
try {
  const client = node.client();
  await client.index({ index: 'books', id: '1', document: { title: 'Dune', year: 1965, tags: ['scifi', 'classic'] }, refresh: true });
  await client.index({ index: 'books', id: '2', document: { title: 'Emma', year: 1815, tags: ['classic'] } });
  await client.indices.refresh({ index: 'books' });
  const r = await client.search({ index: 'books', query: { match: { title: 'dune' } }, aggs: { t: { terms: { field: 'tags.keyword' } } }, highlight: { fields: { title: {} } } });
  console.log(JSON.stringify(r, null, 1));
  console.log(JSON.stringify(await client.count({ index: 'books', q: 'title:emma' })));
} catch (e) { console.log('ERR', e, node.logs.slice(-10).join('\n')); }
finally { await node.destroy(); }
