/**
 * `GET /_cat` (Elasticsearch's RestCatAction): `=^.^=` and then one line per cat endpoint this
 * node serves, in Elasticsearch's order, with its placeholder names (`{index}`, `{alias}` ...).
 * The list is built from the node's route table, so it names exactly the `_cat` APIs there are.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/cat.html
 */
import type { Route } from '../route.js';

/** Elasticsearch's cat endpoints in the order its `GET /_cat` lists them (ActionModule's registration order). */
const elasticsearchOrder: readonly string[] = [
  '/_cat/allocation', '/_cat/shards', '/_cat/shards/{index}', '/_cat/master', '/_cat/nodes', '/_cat/tasks', '/_cat/indices', '/_cat/indices/{index}',
  '/_cat/segments', '/_cat/segments/{index}', '/_cat/count', '/_cat/count/{index}', '/_cat/recovery', '/_cat/recovery/{index}', '/_cat/health',
  '/_cat/pending_tasks', '/_cat/aliases', '/_cat/aliases/{alias}', '/_cat/thread_pool', '/_cat/thread_pool/{thread_pools}', '/_cat/plugins',
  '/_cat/fielddata', '/_cat/fielddata/{fields}', '/_cat/nodeattrs', '/_cat/repositories', '/_cat/snapshots/{repository}', '/_cat/templates',
  '/_cat/component_templates',
];

/** A route path as Elasticsearch documents it (`/_cat/aliases/:name` → `/_cat/aliases/{alias}`). */
function documentedPath(path: string): string {
  const [, , name, parameter] = path.split('/');
  if (parameter === undefined) return path;
  const placeholder = name === 'aliases' ? 'alias' : name === 'thread_pool' ? 'thread_pools' : parameter.slice(1);
  return `/_cat/${name}/{${placeholder}}`;
}

/** The `GET /_cat` body for these routes (the cat endpoints among them). */
export function catListText(routes: readonly Route[]): string {
  const served = new Set(routes.filter((route) => route.path.startsWith('/_cat/')).map((route) => documentedPath(route.path)));
  const known = elasticsearchOrder.filter((path) => served.has(path));
  const others = [...served].filter((path) => !elasticsearchOrder.includes(path)).sort();
  return ['=^.^=', ...known, ...others].join('\n') + '\n';
}

/** The `GET /_cat` route over the node's other routes. */
export function catListRoutes(routes: readonly Route[]): Route[] {
  const text = catListText(routes);
  return [
    {
      method: 'GET',
      path: '/_cat',
      // RestCatAction calls no transport action: any authenticated caller may list the endpoints.
      action: 'cluster:monitor/main',
      scope: 'authenticated',
      params: [],
      handle: () => ({ status: 200, body: text, contentType: 'text/plain; charset=UTF-8' }),
    },
  ];
}
