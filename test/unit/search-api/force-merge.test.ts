// The force merge API's merge choice (src/index/searcher/force-merge.ts) and its parameters, from
// Elastic's indices-forcemerge.html (max_num_segments, only_expunge_deletes, "those two parameters
// are mutually exclusive") and Lucene's forceMerge / forceMergeDeletes (a segment with deletions
// is not "merged"; index.merge.policy.expunge_deletes_allowed defaults to 10%).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { docsDeletedOf, pickForceMerge, type MergeChoice } from '../../../src/index/searcher/index.js';
import { parseForceMergeRequest } from '../../../src/http/routes/force-merge.js';
import { EsError } from '../../../src/common/index.js';

/** Segments as [maxDoc, liveDocCount] pairs. */
const shape = (pairs: readonly (readonly [number, number])[]) => pairs.map(([maxDoc, liveDocCount]) => ({ maxDoc, liveDocCount }));

/** Applies the picker until it is done, as the searcher does (a merge drops the deletes of its inputs). */
function runForceMerge(pairs: readonly (readonly [number, number])[], request: Parameters<typeof pickForceMerge>[1]): { maxDoc: number; liveDocCount: number }[] {
  let segments = shape(pairs);
  for (let round = 0; round < 100; round++) {
    const choice: MergeChoice | undefined = pickForceMerge(segments, request);
    if (choice === undefined) return segments;
    const live = segments.slice(choice.start, choice.end).reduce((sum, segment) => sum + segment.liveDocCount, 0);
    segments = [...segments.slice(0, choice.start), { maxDoc: live, liveDocCount: live }, ...segments.slice(choice.end)];
  }
  throw new Error('the force merge did not end');
}

test('max_num_segments=1 leaves one segment without deleted documents', () => {
  assert.deepEqual(runForceMerge([[10, 7], [5, 5], [3, 2]], { maxNumSegments: 1, onlyExpungeDeletes: false }), [{ maxDoc: 14, liveDocCount: 14 }]);
  // One segment with deletes is rewritten too (Lucene: a segment with deletions is not merged).
  assert.deepEqual(pickForceMerge(shape([[10, 7]]), { maxNumSegments: 1, onlyExpungeDeletes: false }), { start: 0, end: 1 });
  assert.equal(pickForceMerge(shape([[10, 10]]), { maxNumSegments: 1, onlyExpungeDeletes: false }), undefined);
  assert.equal(pickForceMerge([], { maxNumSegments: 1, onlyExpungeDeletes: false }), undefined);
});

test('max_num_segments=N merges the adjacent window with the fewest live docs, down to N', () => {
  // Four segments to two: three adjacent ones become one; the cheapest window is the last three.
  assert.deepEqual(pickForceMerge(shape([[100, 100], [1, 1], [2, 2], [3, 3]]), { maxNumSegments: 2, onlyExpungeDeletes: false }), { start: 1, end: 4 });
  assert.equal(runForceMerge([[100, 100], [1, 1], [2, 2], [3, 3]], { maxNumSegments: 2, onlyExpungeDeletes: false }).length, 2);
  // Already at most N segments and no deletes: nothing to do.
  assert.equal(pickForceMerge(shape([[4, 4], [5, 5]]), { maxNumSegments: 3, onlyExpungeDeletes: false }), undefined);
});

test('only_expunge_deletes rewrites segments over 10% deleted, alone', () => {
  assert.deepEqual(pickForceMerge(shape([[100, 95], [10, 7], [5, 5]]), { maxNumSegments: undefined, onlyExpungeDeletes: true }), { start: 1, end: 2 });
  // Exactly 10% deleted is allowed (expunge_deletes_allowed is a ceiling).
  assert.equal(pickForceMerge(shape([[100, 90], [5, 5]]), { maxNumSegments: undefined, onlyExpungeDeletes: true }), undefined);
  assert.deepEqual(runForceMerge([[100, 95], [10, 7], [5, 5]], { maxNumSegments: undefined, onlyExpungeDeletes: true }), [{ maxDoc: 100, liveDocCount: 95 }, { maxDoc: 7, liveDocCount: 7 }, { maxDoc: 5, liveDocCount: 5 }]);
});

test('no parameter: the regular merge policy decides (nothing for a few small segments)', () => {
  assert.equal(pickForceMerge(shape([[10, 7], [5, 5]]), { maxNumSegments: undefined, onlyExpungeDeletes: false }), undefined);
});

test('docs.deleted sums what the segments hold deleted', () => {
  assert.equal(docsDeletedOf({ segments: shape([[10, 7], [5, 5], [3, 2]]) as never }), 4);
  assert.equal(docsDeletedOf({ segments: [] }), 0);
});

test('parameters: max_num_segments with only_expunge_deletes is a validation error; bad values are 400s', () => {
  assert.deepEqual(parseForceMergeRequest({}), { maxNumSegments: undefined, onlyExpungeDeletes: false });
  assert.deepEqual(parseForceMergeRequest({ max_num_segments: '-1' }), { maxNumSegments: undefined, onlyExpungeDeletes: false });
  assert.deepEqual(parseForceMergeRequest({ max_num_segments: '1' }), { maxNumSegments: 1, onlyExpungeDeletes: false });
  const refused = (query: Record<string, string>): EsError => {
    try {
      parseForceMergeRequest(query);
    } catch (error) {
      assert.ok(error instanceof EsError);
      return error;
    }
    assert.fail(`${JSON.stringify(query)} was accepted`);
  };
  const both = refused({ max_num_segments: '1', only_expunge_deletes: 'true' });
  assert.deepEqual([both.status, both.type, both.message], [400, 'action_request_validation_exception', 'Validation Failed: 1: cannot set only_expunge_deletes and max_num_segments at the same time, those two parameters are mutually exclusive;']);
  assert.deepEqual([refused({ max_num_segments: 'x' }).type, refused({ max_num_segments: 'x' }).message], ['illegal_argument_exception', 'Failed to parse int parameter [max_num_segments] with value [x]']);
  assert.equal(refused({ max_num_segments: '0' }).status, 400);
  // Beyond a Java int: paramAsInt's parse error, not a value accepted.
  assert.deepEqual([refused({ max_num_segments: '2147483648' }).type, refused({ max_num_segments: '2147483648' }).message], ['illegal_argument_exception', 'Failed to parse int parameter [max_num_segments] with value [2147483648]']);
  assert.equal(refused({ only_expunge_deletes: 'maybe' }).type, 'illegal_argument_exception');
  assert.equal(refused({ wait_for_completion: 'false' }).status, 400);
});
