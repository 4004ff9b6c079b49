import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPrincipal, type Principal, permits, SCOPES, type Scope } from '../../../shared/contract/scopes';

const owner: Principal = { kind: 'owner' };
const session: Principal = { kind: 'session', sessionId: 's1' };
const task: Principal = { kind: 'task', taskId: 't1' };
const viewer: Principal = { kind: 'viewer' };
const member: Principal = { kind: 'member', agentId: '0123456789abcdef', algo: 'ema' };

const everyone: Array<Principal | undefined> = [undefined, viewer, task, member, session, owner];

test('who may call each scope, without a task in question', () => {
  const table: Record<Scope, Array<Principal | undefined>> = {
    public: [undefined, viewer, task, member, session, owner],
    read: [viewer, task, member, session, owner],
    observe: [viewer, session, owner],
    task: [task, member, session, owner],
    control: [session, owner],
    owner: [owner],
  };
  for (const scope of SCOPES) {
    for (const principal of everyone) {
      assert.equal(permits(scope, principal), table[scope].includes(principal), `${scope} for ${principal?.kind ?? 'nobody'}`);
    }
  }
});

test('a task acts only on its own task; owner and sessions on any', () => {
  assert.equal(permits('task', task, { id: 't1' }, 'id'), true);
  for (const input of [{ id: 't2' }, { id: 'T1' }, { id: 't1 ' }, { id: ['t1'] }, { id: { toString: () => 't1' } }, {}, null, 't1', undefined, { ID: 't1' }]) {
    assert.equal(permits('task', task, input, 'id'), false, JSON.stringify(input));
  }
  // A prototype cannot smuggle the id in.
  assert.equal(permits('task', task, Object.create({ id: 't1' }), 'id'), false);
  for (const principal of [owner, session]) assert.equal(permits('task', principal, { id: 'anything' }, 'id'), true);
  assert.equal(permits('task', viewer, { id: 't1' }, 'id'), false);
  // A member acts for its algos: never on a task of the hub, whatever the id.
  assert.equal(permits('task', member, { id: 't1' }, 'id'), false);
  assert.equal(permits('task', undefined, { id: 't1' }, 'id'), false);
});

test('only a principal of a known kind is one', () => {
  for (const good of [owner, session, task, viewer, member, { kind: 'member', agentId: 'a' }]) assert.equal(isPrincipal(good), true);
  for (const bad of [{ kind: 'member' }, { kind: 'member', agentId: 1 }, { kind: 'member', agentId: 'a', algo: 7 }]) assert.equal(isPrincipal(bad), false, JSON.stringify(bad));
  for (const bad of [{}, { kind: 'admin' }, { kind: 'task' }, { kind: 'session', sessionId: 7 }, Object.create({ kind: 'owner' }), Object.prototype, () => 1, 'owner', null, undefined, 1]) {
    assert.equal(isPrincipal(bad), false, String(bad));
    assert.equal(permits('read', bad as Principal), false, 'nor may it read');
  }
});
