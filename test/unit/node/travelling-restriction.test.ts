/**
 * Document and field level security as it travels with a multi-node search's shard requests
 * (src/node/travelling-restriction.ts): the node holding the shard rebuilds exactly the
 * restriction the coordinating node resolved (field-and-document-access-control.html: field
 * grants union within a role, intersect across roles; metadata fields stay readable).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coordinatedAccess, restrictionFromWire, restrictionToWire } from '../../../src/node/travelling-restriction.js';
import { readRestrictionOf } from '../../../src/security/document-field-access.js';

const user = { username: 'reader', roles: ['r'], fullName: null, email: null, metadata: {} };

describe('travelling restriction', () => {
  test('the DLS query and the FLS sets survive the trip; the rebuilt predicate answers as the original', () => {
    const access = { queries: [[{ term: { genre: 'poetry' } }]], fields: [[{ grant: ['title', 'meta.*'], except: ['meta.secret'] }], [{ grant: ['*'], except: ['n'] }]] };
    const original = readRestrictionOf(access, user as never)!;
    const rebuilt = restrictionFromWire(JSON.parse(JSON.stringify(restrictionToWire(original, 'books'))))!;
    assert.deepEqual(rebuilt.query, original.query);
    for (const path of ['title', 'meta.a', 'meta.secret', 'n', 'year', '_id', '_source']) assert.equal(rebuilt.fields!(path), original.fields!(path), path);
  });

  test('no restriction, DLS only, and malformed ones', () => {
    assert.equal(restrictionFromWire(undefined), undefined);
    assert.equal(restrictionFromWire(null), undefined);
    assert.deepEqual(restrictionFromWire({ query: { match_all: {} } }), { query: { match_all: {} } });
    for (const bad of ['x', { query: 'x' }, { field_sets: [[{ grant: 'title' }]] }, { field_sets: {} }]) {
      assert.throws(() => restrictionFromWire(bad), (error: any) => error.status === 400, JSON.stringify(bad));
    }
  });

  test('a field predicate without its sets cannot travel: refused with a 400, never sent unrestricted', () => {
    assert.throws(() => restrictionToWire({ fields: () => true }, 'books'), (error: any) => error.status === 400 && /field level security on \[books\]/.test(error.message));
  });

  test('the data node reads only the named index under the restriction', () => {
    const base = { indices: () => undefined, allowsIndex: () => true };
    const restriction = { query: { match_all: {} } };
    const access = coordinatedAccess(base, 'books', restriction);
    assert.equal(access.readRestriction!('indices:data/read/search', 'books'), restriction);
    assert.equal(access.readRestriction!('indices:data/read/search', 'other'), undefined);
    assert.equal(coordinatedAccess(base, 'books', undefined), base);
  });
});
