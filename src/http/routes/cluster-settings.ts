import { errors } from '../../common/index.js';
import type { ClusterSettingsStore, FlatSettings } from '../../cluster/settings.js';
import { booleanParam } from '../request.js';
import type { Route } from '../route.js';
import { nestSettings } from './node-info.js';

function render(settings: FlatSettings, flat: boolean): Record<string, unknown> {
  return flat ? { ...settings } : nestSettings(settings);
}

export function clusterSettingsRoutes(store: ClusterSettingsStore): readonly Route[] {
  return [
    {
      method: 'GET',
      path: '/_cluster/settings',
      action: 'cluster:monitor/settings',
      scope: 'cluster',
      params: ['flat_settings', 'include_defaults', 'master_timeout', 'timeout', 'local'],
      handle: (request) => {
        const flat = booleanParam(request.query['flat_settings']);
        const body: Record<string, unknown> = {
          persistent: render(store.persistent, flat),
          transient: render(store.transient, flat),
        };
        if (booleanParam(request.query['include_defaults'])) body['defaults'] = render(store.defaults(), flat);
        return { status: 200, body };
      },
    },
    {
      method: 'PUT',
      path: '/_cluster/settings',
      action: 'cluster:admin/settings/update',
      scope: 'cluster',
      params: ['flat_settings', 'master_timeout', 'timeout'],
      handle: (request) => {
        const body = request.json();
        if (body === undefined) throw errors.bodyRequired();
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw errors.parsing('request body must be an object');
        }
        const unknownFields = Object.keys(body).filter((key) => key !== 'persistent' && key !== 'transient');
        if (unknownFields.length > 0) {
          throw errors.illegalArgument(`request body contains unknown fields [${unknownFields.join(', ')}]`);
        }
        const update = store.update(body as { persistent?: unknown; transient?: unknown });
        const flat = booleanParam(request.query['flat_settings']);
        return {
          status: 200,
          body: { acknowledged: true, persistent: render(update.persistent, flat), transient: render(update.transient, flat) },
        };
      },
    },
  ];
}
