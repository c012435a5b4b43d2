/**
 * The template service (I/O shell): composable, component and legacy index templates held in
 * memory and persisted in the node database (store/template-store.ts). The rules live in
 * templates.ts; this class orders them and commits each change.
 */
import type { Logger } from 'pino';
import { errors, type SqlDatabase } from '../common/index.js';
import { checkComposedTemplate, checkTemplateContent, componentBreaksComposable } from './template-validation.js';
import { TemplateStore, type TemplateKind } from './store/template-store.js';
import {
  checkPriorityOverlap,
  composeTemplate,
  legacyOverlapWarning,
  parseComponentTemplate,
  parseComposableTemplate,
  parseLegacyTemplate,
  patternsOverlap,
  resolveTemplates,
  selectNames,
  validateComposableTemplate,
  type ComponentTemplate,
  type ComposableTemplate,
  type LegacyTemplate,
  type ResolvedTemplates,
  type TemplateContent,
  type TemplateState,
} from './templates.js';

export interface PutOptions {
  /** `create=true`: refuse to replace an existing template. */
  readonly create: boolean;
  /** `cause`: why the template is put (logged). */
  readonly cause?: string;
}

export interface Overlapping {
  readonly name: string;
  readonly index_patterns: readonly string[];
}

export interface Simulated {
  readonly content: TemplateContent;
  readonly overlapping: readonly Overlapping[];
}

/**
 * The templates whose patterns overlap `template`'s, whatever their priority: legacy ones first,
 * then composable ones, each by name (Elasticsearch's findConflictingV1Templates, then V2).
 */
function overlappingTemplates(state: TemplateState, name: string, template: ComposableTemplate): Overlapping[] {
  const byName = <T extends { readonly index_patterns: readonly string[] }>(entries: Iterable<[string, T]>): Overlapping[] =>
    [...entries]
      .filter(([other, candidate]) => other !== name && patternsOverlap(template.index_patterns, candidate.index_patterns))
      .sort(([left], [right]) => (left < right ? -1 : 1))
      .map(([other, candidate]) => ({ name: other, index_patterns: candidate.index_patterns }));
  return [...byName(state.legacy), ...byName(state.composable)];
}

export class TemplateService {
  private readonly composable = new Map<string, ComposableTemplate>();
  private readonly component = new Map<string, ComponentTemplate>();
  private readonly legacy = new Map<string, LegacyTemplate>();
  /** Composable templates in use by data streams (their names), so they cannot be deleted. */
  private templatesInUse: () => ReadonlyMap<string, readonly string[]> = () => new Map();
  /** Multi-node mode: every put and delete also goes here (node/wire-metadata-sharing.ts), before the store commits it. */
  private sink: ((kind: TemplateKind, name: string, body: unknown) => void) | undefined;

  private constructor(
    private readonly store: TemplateStore,
    private readonly log: Logger,
  ) {
    for (const [name, body] of store.loadAll('composable')) this.composable.set(name, body as ComposableTemplate);
    for (const [name, body] of store.loadAll('component')) this.component.set(name, body as ComponentTemplate);
    for (const [name, body] of store.loadAll('legacy')) this.legacy.set(name, body as LegacyTemplate);
  }

  static open(db: SqlDatabase, log: Logger): TemplateService {
    return new TemplateService(TemplateStore.open(db), log);
  }

  /** The data streams using each composable template (by template name). */
  setTemplatesInUse(inUse: () => ReadonlyMap<string, readonly string[]>): void {
    this.templatesInUse = inUse;
  }

  state(): TemplateState {
    return { composable: this.composable, component: this.component, legacy: this.legacy };
  }

  private stateWith(kind: 'composable' | 'component', name: string, template: ComposableTemplate | ComponentTemplate): TemplateState {
    if (kind === 'composable') return { ...this.state(), composable: new Map([...this.composable, [name, template as ComposableTemplate]]) };
    return { ...this.state(), component: new Map([...this.component, [name, template as ComponentTemplate]]) };
  }

  /**
   * From now on every put and delete (body null) is handed to `sink` too, after validation and
   * before the store commits it; the sink may refuse the change (it throws the EsError to answer).
   */
  shareChanges(sink: (kind: TemplateKind, name: string, body: unknown) => void): void {
    this.sink = sink;
  }

  /** Every template held, for sharing: kind, name and the body as stored. */
  sharedEntries(): Array<[TemplateKind, string, unknown]> {
    return [
      ...[...this.composable].map(([name, body]): [TemplateKind, string, unknown] => ['composable', name, body]),
      ...[...this.component].map(([name, body]): [TemplateKind, string, unknown] => ['component', name, body]),
      ...[...this.legacy].map(([name, body]): [TemplateKind, string, unknown] => ['legacy', name, body]),
    ];
  }

  /**
   * A template another node put (body) or deleted (null), as it stored it: written without the
   * validation its put passed there, and not handed to the sink.
   */
  applyShared(kind: TemplateKind, name: string, body: unknown): void {
    const map: Map<string, unknown> = kind === 'composable' ? this.composable : kind === 'component' ? this.component : this.legacy;
    if (body === null) {
      this.store.removeAll(kind, [name]);
      map.delete(name);
    } else {
      this.store.put(kind, name, body);
      map.set(name, body);
    }
  }

  private removeShared(kind: TemplateKind, names: readonly string[]): void {
    for (const name of names) this.sink?.(kind, name, null);
    this.store.removeAll(kind, names);
  }

  private commit(kind: TemplateKind, name: string, body: unknown, cause: string | undefined): void {
    this.sink?.(kind, name, body);
    this.store.put(kind, name, body);
    this.log.info({ kind, template: name, cause }, 'put index template');
  }

  // ---------------------------------------------------------------- composable

  /** Returns the deprecation warnings Elasticsearch would send. */
  putComposable(name: string, body: unknown, options: PutOptions): string[] {
    if (name === '' || name.includes('*')) throw errors.invalidIndexTemplate(name, 'Validation Failed: 1: name must not contain a \'*\' and must not be empty;');
    const template = parseComposableTemplate(body);
    if (options.create && this.composable.has(name)) throw errors.illegalArgument(`index template [${name}] already exists`);
    const next = this.stateWith('composable', name, template);
    validateComposableTemplate(name, template, next);
    checkPriorityOverlap(name, template, this.state());
    checkComposedTemplate(name, template, composeTemplate(template, next));
    const streams = this.templatesInUse().get(name);
    if (streams !== undefined && streams.length > 0 && template.data_stream === undefined) {
      throw errors.illegalArgument(
        `composable template [${name}] with index patterns [${template.index_patterns.join(', ')}], priority [${template.priority ?? 'null'}] would cause data streams [${streams.join(', ')}] to no longer match a data stream template`,
      );
    }
    this.commit('composable', name, template, options.cause);
    this.composable.set(name, template);
    const warning = legacyOverlapWarning(name, template.index_patterns, this.state());
    return warning === undefined ? [] : [warning];
  }

  /** `GET /_index_template[/{name}]`: a literal name that does not exist is a 404. */
  getComposable(expression: string | undefined): Array<[string, ComposableTemplate]> {
    const { found, missing } = selectNames(this.composable.keys(), expression);
    if (missing.length > 0) throw errors.resourceNotFound(`index template matching [${missing[0]}] not found`);
    return found.map((name) => [name, this.composable.get(name)!]);
  }

  deleteComposable(expression: string): void {
    const { found, missing } = selectNames(this.composable.keys(), expression);
    if (missing.length > 0) throw errors.indexTemplateMissing(missing.join(','));
    if (found.length === 0 && !expression.split(',').every((element) => element === '*' || element === '_all')) throw errors.indexTemplateMissing(expression);
    const inUse = this.templatesInUse();
    const used = found.filter((name) => (inUse.get(name) ?? []).length > 0);
    if (used.length > 0) {
      const streams = used.flatMap((name) => inUse.get(name) ?? []).sort();
      throw errors.illegalArgument(`unable to remove composable templates [${used.join(', ')}] as they are in use by a data streams [${streams.join(', ')}]`);
    }
    this.removeShared('composable', found);
    for (const name of found) this.composable.delete(name);
  }

  // ---------------------------------------------------------------- component

  putComponent(name: string, body: unknown, options: PutOptions): void {
    if (name === '' || name.includes('*')) throw errors.illegalArgument(`component template name [${name}] must not contain a '*' and must not be empty`);
    const template = parseComponentTemplate(body);
    if (options.create && this.component.has(name)) throw errors.illegalArgument(`component template [${name}] already exists`);
    // Every composable template using it must still compose (Elasticsearch validates them all).
    checkTemplateContent(template.template);
    const next = this.stateWith('component', name, template);
    for (const [templateName, composable] of this.composable) {
      if (!composable.composed_of.includes(name)) continue;
      try {
        checkComposedTemplate(templateName, composable, composeTemplate(composable, next));
      } catch (error) {
        throw componentBreaksComposable(name, templateName, error);
      }
      validateComposableTemplate(templateName, composable, next);
    }
    this.commit('component', name, template, options.cause);
    this.component.set(name, template);
  }

  getComponent(expression: string | undefined): Array<[string, ComponentTemplate]> {
    const { found, missing } = selectNames(this.component.keys(), expression);
    if (missing.length > 0) throw errors.resourceNotFound(`component template matching [${missing[0]}] not found`);
    return found.map((name) => [name, this.component.get(name)!]);
  }

  deleteComponent(expression: string): void {
    const { found, missing } = selectNames(this.component.keys(), expression);
    if (missing.length > 0) throw errors.resourceNotFound(missing.join(','));
    if (found.length === 0 && !expression.split(',').every((element) => element === '*' || element === '_all')) throw errors.resourceNotFound(expression);
    const users = [...this.composable].filter(([, template]) => template.composed_of.some((component) => found.includes(component)));
    if (users.length > 0) {
      const used = found.filter((component) => users.some(([, template]) => template.composed_of.includes(component)));
      throw errors.illegalArgument(
        `component templates [${used.join(', ')}] cannot be removed as they are still in use by index templates [${users.map(([name]) => name).join(', ')}]`,
      );
    }
    this.removeShared('component', found);
    for (const name of found) this.component.delete(name);
  }

  // ---------------------------------------------------------------- legacy

  putLegacy(name: string, body: unknown, options: PutOptions & { readonly order: number | undefined }): void {
    const template = parseLegacyTemplate(body, options.order);
    if (template.index_patterns.includes('*') && template.content.settings['index.hidden'] !== undefined) {
      throw errors.invalidIndexTemplate(name, 'global templates may not specify the setting index.hidden');
    }
    if (options.create && this.legacy.has(name)) throw errors.illegalArgument(`index_template [${name}] already exists`);
    checkTemplateContent(template.content);
    this.commit('legacy', name, template, options.cause);
    this.legacy.set(name, template);
  }

  /** `GET /_template[/{names}]`: what matches (the route answers 404 when nothing does). */
  getLegacy(expression: string | undefined): Array<[string, LegacyTemplate]> {
    const { found } = selectNames(this.legacy.keys(), expression);
    return found.map((name) => [name, this.legacy.get(name)!]);
  }

  deleteLegacy(expression: string): void {
    const { found, missing } = selectNames(this.legacy.keys(), expression);
    if (missing.length > 0 || found.length === 0) throw errors.indexTemplateMissing(missing.length > 0 ? missing.join(',') : expression);
    this.removeShared('legacy', found);
    for (const name of found) this.legacy.delete(name);
  }

  // ---------------------------------------------------------------- resolving and simulating

  resolve(index: string, hidden: boolean): ResolvedTemplates | undefined {
    return resolveTemplates(this.state(), index, hidden);
  }

  /**
   * `POST /_index_template/_simulate_index/{index}`: what a new index named `index` would get from
   * the composable template that matches it, with `body` (a composable template) added first under
   * a temporary name when given. `overlapping`: the other templates whose patterns overlap the winner's.
   */
  simulateIndex(index: string, body: unknown): Simulated | undefined {
    let state = this.state();
    if (body !== undefined) {
      const template = parseComposableTemplate(body);
      const temporary = 'simulate_index_template';
      state = this.stateWith('composable', temporary, template);
      validateComposableTemplate(temporary, template, state);
      checkPriorityOverlap(temporary, template, this.state());
      checkComposedTemplate(temporary, template, composeTemplate(template, state));
    }
    // Simulation is of composable templates only, as Elasticsearch's: without one, nothing.
    const resolved = resolveTemplates(state, index, false);
    if (resolved?.composable === undefined) return undefined;
    return { content: resolved.content, overlapping: overlappingTemplates(state, resolved.composable.name, resolved.composable.template) };
  }

  /**
   * `POST /_index_template/_simulate[/{name}]`: the composed content of a template (the stored one,
   * or `body` put under `name` for the simulation), and the templates whose patterns overlap it.
   */
  simulateTemplate(name: string | undefined, body: unknown): Simulated {
    let state = this.state();
    let templateName: string;
    let template: ComposableTemplate;
    if (body !== undefined) {
      template = parseComposableTemplate(body);
      templateName = name ?? 'simulate_template';
      state = this.stateWith('composable', templateName, template);
      validateComposableTemplate(templateName, template, state);
      checkPriorityOverlap(templateName, template, this.state());
      checkComposedTemplate(templateName, template, composeTemplate(template, state));
    } else {
      if (name === undefined) throw errors.actionRequestValidation(['must specify either a template name or a template body']);
      const found = this.composable.get(name);
      if (found === undefined) throw errors.resourceNotFound(`unable to simulate template [${name}] that does not exist`);
      templateName = name;
      template = found;
    }
    return { content: composeTemplate(template, state), overlapping: overlappingTemplates(state, templateName, template) };
  }
}
