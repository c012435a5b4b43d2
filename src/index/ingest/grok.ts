/**
 * Grok (pure): named regular expressions composed with `%{NAME}`, `%{NAME:field}` and
 * `%{NAME:field:type}`, plus Oniguruma-style named groups `(?<field>...)`. Strait's own pattern
 * bank below is written for this project from the grok grammar (the same common names log tools
 * use, with our own expressions); it is the legacy field naming (`clientip`, `verb`), Elasticsearch's
 * `ecs_compatibility: disabled`.
 * JavaScript regular expressions differ from Oniguruma's: group names must be identifiers (grok
 * fields are `a.b` or `[a][b]`), so every capture becomes a generated `__gN` group mapped back to
 * its field; atomic groups `(?>` become plain groups; `\A` and `\z` become `^` and `$`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/grok-processor.html
 */
import { errors } from '../../common/index.js';

/** The pattern bank (`GET /_ingest/processor/grok`). */
export const grokPatternBank: Readonly<Record<string, string>> = Object.freeze({
  // Words, numbers, space
  WORD: '\\b\\w+\\b',
  NOTSPACE: '\\S+',
  SPACE: '\\s*',
  DATA: '.*?',
  GREEDYDATA: '.*',
  INT: '(?:[+-]?[0-9]+)',
  POSINT: '\\b[1-9][0-9]*\\b',
  NONNEGINT: '\\b[0-9]+\\b',
  BASE10NUM: '(?<![0-9.+-])[+-]?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)',
  NUMBER: '(?:%{BASE10NUM})',
  BASE16NUM: '(?<![0-9A-Fa-f])[+-]?(?:0x)?[0-9A-Fa-f]+',
  QUOTEDSTRING: '(?:"(?:\\\\.|[^\\\\"])*"|\'(?:\\\\.|[^\\\\\'])*\'|`(?:\\\\.|[^\\\\`])*`)',
  QS: '%{QUOTEDSTRING}',
  UUID: '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
  // Users and mail
  USERNAME: '[a-zA-Z0-9._-]+',
  USER: '%{USERNAME}',
  EMAILLOCALPART: "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*",
  EMAILADDRESS: '%{EMAILLOCALPART}@%{HOSTNAME}',
  HTTPDUSER: '%{EMAILADDRESS}|%{USER}',
  // Network
  CISCOMAC: '(?:[0-9A-Fa-f]{4}\\.){2}[0-9A-Fa-f]{4}',
  WINDOWSMAC: '(?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2}',
  COMMONMAC: '(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}',
  MAC: '(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})',
  IPV4: '(?<![0-9])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?![0-9])',
  IPV6:
    '(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}' +
    '|(?:[0-9A-Fa-f]{1,4}:){6}%{IPV4}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,5}:%{IPV4}' +
    '|::(?:[0-9A-Fa-f]{1,4}:){0,5}%{IPV4}' +
    '|(?:[0-9A-Fa-f]{1,4}:){1,7}:' +
    '|:(?::[0-9A-Fa-f]{1,4}){1,7}' +
    '|::)(?:%[0-9A-Za-z]+)?',
  IP: '(?:%{IPV6}|%{IPV4})',
  HOSTNAME: '\\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*\\.?\\b',
  IPORHOST: '(?:%{IP}|%{HOSTNAME})',
  HOSTPORT: '%{IPORHOST}:%{POSINT}',
  // Paths and URIs
  UNIXPATH: '(?:/[^/\\s?#]*)+',
  WINPATH: '(?:[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*\\s]*)+',
  PATH: '(?:%{UNIXPATH}|%{WINPATH})',
  URIPROTO: '[A-Za-z][A-Za-z0-9+.-]+',
  URIHOST: '%{IPORHOST}(?::%{POSINT})?',
  URIPATH: "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\\-]*)+",
  URIQUERY: "[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\-\\[\\]<>]*",
  URIPARAM: '\\?%{URIQUERY}',
  URIPATHPARAM: '%{URIPATH}(?:\\?%{URIQUERY})?',
  URI: '%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATH}(?:\\?%{URIQUERY})?)?',
  // Dates and times
  MONTH: '\\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:t|tember)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\\b',
  MONTHNUM: '(?:1[0-2]|0?[1-9])',
  MONTHNUM2: '(?:1[0-2]|0[1-9])',
  MONTHDAY: '(?:3[01]|[12][0-9]|0[1-9]|[1-9])',
  DAY: '(?:[Mm]on(?:day)?|[Tt]ue(?:sday)?|[Ww]ed(?:nesday)?|[Tt]hu(?:rsday)?|[Ff]ri(?:day)?|[Ss]at(?:urday)?|[Ss]un(?:day)?)',
  YEAR: '(?:\\d\\d){1,2}',
  HOUR: '(?:2[0-3]|[01]?[0-9])',
  MINUTE: '(?:[0-5][0-9])',
  SECOND: '(?:(?:60|[0-5]?[0-9])(?:[.,:][0-9]+)?)',
  TIME: '(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})?(?![0-9])',
  DATE_US: '%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}',
  DATE_EU: '%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}',
  DATE: '%{DATE_US}|%{DATE_EU}',
  DATESTAMP: '%{DATE}[- ]%{TIME}',
  TZ: '(?:[ACEMP][SD]T|UTC|GMT)',
  ISO8601_TIMEZONE: '(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))',
  ISO8601_SECOND: '%{SECOND}',
  TIMESTAMP_ISO8601: '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?',
  DATESTAMP_RFC822: '%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}',
  DATESTAMP_RFC2822: '%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}',
  DATESTAMP_OTHER: '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}',
  HTTPDATE: '%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}',
  SYSLOGTIMESTAMP: '%{MONTH} +%{MONTHDAY} %{TIME}',
  // Logs
  PROG: '[\\x21-\\x5a\\x5c\\x5e-\\x7e]+',
  SYSLOGPROG: '%{PROG:program}(?:\\[%{POSINT:pid}\\])?',
  SYSLOGHOST: '%{IPORHOST}',
  SYSLOGFACILITY: '<%{NONNEGINT:facility}.%{NONNEGINT:priority}>',
  SYSLOGBASE: '%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:',
  LOGLEVEL:
    '(?:[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo(?:rmation)?|INFO(?:RMATION)?|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|[Aa]lert|ALERT|[Ee]merg(?:ency)?|EMERG(?:ENCY)?)',
  COMMONAPACHELOG:
    '%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \\[%{HTTPDATE:timestamp}\\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response} (?:%{NUMBER:bytes}|-)',
  COMBINEDAPACHELOG: '%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}',
});

export type GrokType = 'int' | 'long' | 'float' | 'double' | 'boolean' | 'string';

interface Capture {
  readonly group: string;
  readonly field: string;
  readonly type: GrokType;
}

export interface CompiledGrok {
  readonly regex: RegExp;
  readonly captures: readonly Capture[];
}

/** Nesting of `%{...}` references beyond this is refused (a reference cycle reaches it first). */
const expansionDepthMax = 64;

/** `[a][b]` (the bracket field syntax) as the dotted path `a.b`. */
function fieldPath(name: string): string {
  return /^(\[[^\]]+\])+$/.test(name) ? name.slice(1, -1).split('][').join('.') : name;
}

function typeOf(text: string | undefined): GrokType {
  if (text === undefined) return 'string';
  if (['int', 'long', 'float', 'double', 'boolean', 'string'].includes(text)) return text as GrokType;
  throw errors.illegalArgument(`Unsupported conversion type [${text}]`);
}

/**
 * Compiles a grok expression against `bank` (the built-in bank plus `pattern_definitions`).
 * Throws an illegal_argument error naming what is wrong (unknown or circular pattern, invalid regex).
 */
export function compileGrok(expression: string, bank: Readonly<Record<string, string>>): CompiledGrok {
  const captures: Capture[] = [];
  const expand = (text: string, stack: readonly string[]): string => {
    if (stack.length > expansionDepthMax) throw errors.illegalArgument(`pattern [${stack[0]}] nests references deeper than [${expansionDepthMax}]`);
    let output = '';
    for (let position = 0; position < text.length; ) {
      const character = text[position]!;
      if (character === '\\') {
        const next = text[position + 1] ?? '';
        output += next === 'A' ? '^' : next === 'z' || next === 'Z' ? '$' : character + next;
        position += 2;
        continue;
      }
      if (text.startsWith('%{', position)) {
        const end = text.indexOf('}', position);
        if (end < 0) throw errors.illegalArgument(`unclosed grok reference in [${text}]`);
        const [name = '', field, type] = text.slice(position + 2, end).split(':');
        const definition = bank[name];
        if (definition === undefined) throw errors.illegalArgument(`Unable to find pattern [${name}] in Grok's pattern dictionary`);
        if (stack.includes(name)) throw errors.illegalArgument(`circular reference in pattern [${name}][${stack.join('=>')}=>${name}]`);
        const inner = expand(definition, [...stack, name]);
        if (field !== undefined && field !== '') {
          const group = `__g${captures.length}`;
          captures.push({ group, field: fieldPath(field), type: typeOf(type) });
          output += `(?<${group}>${inner})`;
        } else {
          output += `(?:${inner})`;
        }
        position = end + 1;
        continue;
      }
      if (text.startsWith('(?>', position)) {
        output += '(?:';
        position += 3;
        continue;
      }
      if (text.startsWith('(?<', position) && text[position + 3] !== '=' && text[position + 3] !== '!') {
        const end = text.indexOf('>', position);
        if (end < 0) throw errors.illegalArgument(`unclosed group name in [${text}]`);
        const group = `__g${captures.length}`;
        captures.push({ group, field: fieldPath(text.slice(position + 3, end)), type: 'string' });
        output += `(?<${group}>`;
        position = end + 1;
        continue;
      }
      output += character;
      position += 1;
    }
    return output;
  };
  const source = expand(expression, []);
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (error) {
    throw errors.illegalArgument(error instanceof Error ? error.message : String(error));
  }
  return { regex, captures };
}

function convert(value: string, type: GrokType): unknown {
  switch (type) {
    case 'int':
    case 'long': {
      const number = Number.parseInt(value, 10);
      return Number.isNaN(number) ? value : number;
    }
    case 'float':
    case 'double': {
      const number = Number.parseFloat(value);
      return Number.isNaN(number) ? value : number;
    }
    case 'boolean':
      return value.toLowerCase() === 'true';
    case 'string':
      return value;
  }
}

/** The fields a match captures (the first non-empty capture of a field wins); undefined without a match. */
export function matchGrok(grok: CompiledGrok, text: string): Map<string, unknown> | undefined {
  const match = grok.regex.exec(text);
  if (match === null) return undefined;
  const fields = new Map<string, unknown>();
  for (const capture of grok.captures) {
    const value = match.groups?.[capture.group];
    if (value === undefined || fields.has(capture.field)) continue;
    fields.set(capture.field, convert(value, capture.type));
  }
  return fields;
}
