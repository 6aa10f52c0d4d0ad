// SPDX-License-Identifier: AGPL-3.0-or-later
// failover_primary: SIGKILL the primary PostgreSQL (and its pg_autoctl
// keeper: a dead machine) during a cast load of 2,000 voters through
// HAProxy. pg_auto_failover promotes the synchronous standby and both
// pnyxd find it through their multi-host connection string; the clients
// retry 502/503/504 and socket errors with their Idempotency-Key. Asserts:
// a new primary; every voter ends with exactly one 201 and one receipt;
// no 500 (nor any 5xx but 503); every 503 is problem+json with
// Retry-After; after the close every acknowledged receipt is on the board
// and the board holds nothing else; ballots = roll marks = acknowledged
// voters on the NEW primary; pnyx-verify passes on the record. Prints the
// seconds from the kill to the first successful ballot.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as L from '../reliability/lib.mjs';
import { Topo, castRetry, fixture } from './topo.mjs';

const VOTERS = L.scale(2000, { asan: 0.5, soak: 5 });

test(`SIGKILL the primary PostgreSQL during a ${VOTERS}-voter cast load through HAProxy`, { timeout: 540000 }, async () => {
  const t = await Topo.up('failover-primary', { pnyxd: 2 });
  try {
    const { conv, aid, vs, qid } = await fixture(t, VOTERS);
    const before = await t.primary();
    assert.ok(before, `a primary before the kill:\n${await t.state()}`);

    // the kill when a quarter of the voters are acknowledged: mid-load
    const mark = Math.floor(VOTERS * 0.25);
    let acks = 0;
    let killing = null;
    let killAt = 0; // the moment fail was called
    let killedAt = 0; // the moment it returned (the primary is dead)
    let killed = '';
    const onResult = (v, res) => {
      if (res.status !== 201) return;
      acks++;
      if (!killing && acks >= mark) {
        killAt = Date.now();
        killing = t.fail('primary').then((name) => {
          killedAt = Date.now();
          killed = name;
        });
      }
    };
    const r = await castRetry({ url: t.url, qid, voters: vs, concurrency: 32, deadlineMs: 240000, onResult });
    await killing;
    // from the call of fail (the SIGKILL follows at once) to the first 201
    // to a request sent after fail returned (the primary dead by then)
    const firstOk = r.firstOkAfter(killedAt, killAt);
    // the monitor's events: when the standby was told to stop
    // replicating (promotion under way) and when it reported
    // wait_primary (serving writes): splits the failover time between
    // pg_auto_failover and pnyxd/HAProxy
    const ev = async (state) => Number((await t.monitor(`SELECT (extract(epoch FROM eventtime) * 1000)::bigint FROM pgautofailover.event
      WHERE nodename <> '${killed}' AND reportedstate = '${state}' AND eventtime >= to_timestamp(${killAt / 1000}) ORDER BY eventid LIMIT 1`).catch(() => '')).trim()) || 0;
    const [stopRep, waitPrimary] = [await ev('stop_replication'), await ev('wait_primary')];
    const since = (x) => (x ? ((x - killAt) / 1000).toFixed(2) : '?');
    const lastFail = Math.max(0, ...vs.flatMap((v) => v.answers.filter((a) => a.status !== 201 && a.t >= killAt).map((a) => a.t)));
    L.log(`failover_primary: killed ${killed} at ack ${mark}; first successful ballot ${(firstOk / 1000).toFixed(2)} s after the kill (monitor: the standby reported stop_replication after ${since(stopRep)} s, wait_primary after ${since(waitPrimary)} s) `
      + `(last failed attempt ${lastFail ? ((lastFail - killAt) / 1000).toFixed(2) : '-'} s after); `
      + `${VOTERS} voters, ${r.acked.size} acknowledged in ${(r.elapsedMs / 1000).toFixed(1)} s, statuses ${JSON.stringify(r.statuses)}, `
      + `socket errors ${r.errors}, retries ${r.retries}; load ${L.loadavg()}`);
    process.stdout.write(`# failover_primary: seconds from the kill to the first successful ballot: ${(firstOk / 1000).toFixed(2)}\n`);
    assert.ok(killing, 'the kill happened during the load');
    assert.ok(killed, 'fail primary named the killed node');
    assert.notEqual(killed, '', 'killed node');
    assert.ok(firstOk >= 0, 'a ballot succeeded after the kill');
    const after = await L.waitFor(async () => {
      const p = await t.primary();
      return p && p !== killed ? p : null;
    }, { timeout: 60000, what: 'a new primary in deploy/cluster/state' });
    L.log(`failover_primary: primary ${before} → ${after}\n${await t.state()}`);

    assert.equal(r.unfinished, 0, 'every voter got a final answer before the deadline');
    const fivexx = Object.entries(r.statuses).filter(([s]) => Number(s) >= 500 && s !== '503');
    assert.deepEqual(fivexx, [], 'no 5xx but 503 (no 500, no gateway error)');
    assert.deepEqual(r.bad503.slice(0, 5), [], `every 503 is problem+json with Retry-After (${r.bad503.length} are not)`);
    const finals = vs.filter((v) => v.final !== 201).map((v) => `${v.id}:${v.final}`);
    assert.deepEqual(finals, [], 'every voter cast exactly once (final 201)');
    const two = vs.filter((v) => v.receipts.size !== 1).map((v) => `${v.id}:${[...v.receipts]}`);
    assert.deepEqual(two, [], 'every voter was given one receipt, however often it retried');

    assert.equal((await L.closeQuestion(t.base, conv, qid)).status, 200, 'close');
    await L.waitTallied(t.base, conv, qid, { timeout: 120000 });
    const bd = await L.board(t.base, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.equal(onBoard.size, bd.length, 'receipts on the board are unique');
    const missing = [...r.acked.values()].filter((x) => !onBoard.has(x));
    assert.deepEqual(missing, [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size, 'the board holds exactly the acknowledged ballots');
    // on the new primary (DATABASE_URL: target_session_attrs=read-write)
    const inRecovery = (await t.query('SELECT pg_is_in_recovery()')).trim();
    assert.equal(inRecovery, 'f', 'psql reached a primary');
    const voted = await t.qint(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`);
    const filled = await t.qint(`SELECT count(*) FROM ballots WHERE question_id = ${qid} AND filled`);
    const ballots = await t.qint(`SELECT ballot_count FROM questions WHERE id = ${qid}`);
    assert.equal(voted, r.acked.size, 'roll marks = acknowledged voters');
    assert.equal(filled, voted, 'filled ballots = roll marks');
    assert.equal(ballots, voted, 'ballot_count = roll marks');
    const file = await L.fetchRecord(t.base, conv.token, aid, path.join(t.dir, 'record.json'));
    const v = L.verify(file);
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    L.log(`failover_primary: board ${bd.length} = acknowledged ${r.acked.size} = roll marks ${voted} on ${after}; pnyx-verify passed`);
  } catch (e) {
    L.log(`--- pnyxd logs ---\n${t.tails()}`);
    throw e;
  } finally {
    await t.down();
  }
});
