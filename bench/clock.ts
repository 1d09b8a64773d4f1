/**
 * `npm run bench:clock`: every deadline for 640,000 synthetic cases (England's number of plans)
 * in one process. Target: under 10 seconds and under 1 GiB on a 2-core machine.
 * Usage: npm run bench:clock [-- --cases N]
 */
import { parseArgs } from 'node:util';
import { addDays } from '../src/domain/clock/calendar-date.ts';
import { caseDeadlines } from '../src/domain/clock/deadlines.ts';
import { computeClock } from '../src/domain/clock/statutory-dates.ts';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '640000' } } });
const count = Number(values.cases);
if (!Number.isInteger(count) || count < 1) {
  console.error('--cases must be a whole number above 0');
  process.exit(2);
}

/** A small deterministic generator, so every run computes the same cases. */
let seed = 20_261_123;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const dateWithin = (from: string, days: number) => addDays(from, Math.floor(random() * days));

let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const sampler = setInterval(sample, 50);

const today = '2026-11-23';
const started = performance.now();
let outputs = 0;
for (let i = 0; i < count; i++) {
  const received = dateWithin('2019-01-01', 2_800);
  const hour = 8 + Math.floor(random() * 12);
  const planIssued =
    random() < 0.6 ? addDays(received, 100 + Math.floor(random() * 120)) : undefined;
  const dates = computeClock({
    requestReceived: `${received}T${String(hour).padStart(2, '0')}:30`,
    adviceRequested: addDays(received, 40),
    draftServed: addDays(received, 110),
    planIssued,
    reviewMeeting: planIssued ? addDays(planIssued, 330) : undefined,
    decisionLetter: addDays(received, 42),
    transferYear: 2020 + (i % 8),
    transferType: i % 2 === 0 ? 'school' : 'post16',
    laLearnedOfMove: i % 50 === 0 ? dateWithin('2024-01-01', 700) : undefined,
    mediationDeclined: i % 20 === 0 ? dateWithin('2024-01-01', 700) : undefined,
  });
  const clock = caseDeadlines(
    {
      requestReceived: received,
      assessmentDecidedOn: addDays(received, 30 + Math.floor(random() * 30)),
      noPlanNoticeOn: null,
      planIssuedOn: planIssued ?? null,
      lastReviewOn: null,
      decidedNotToAssess: false,
      exceptions: [],
    },
    today,
  );
  outputs += Object.keys(dates).length + clock.deadlines.length;
  if (i % 50_000 === 0) sample();
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
sample();

const result = {
  cases: count,
  datesComputed: outputs,
  seconds: Number(seconds.toFixed(2)),
  casesPerSecond: Math.round(count / seconds),
  peakRssMiB: Math.round(peakRss / 1024 / 1024),
  node: process.version,
  targets: { seconds: 10, peakRssMiB: 1024 },
};
console.log(
  `${count.toLocaleString('en-GB')} cases, ${outputs.toLocaleString('en-GB')} dates in ${result.seconds} s ` +
    `(${result.casesPerSecond.toLocaleString('en-GB')} cases/s), peak memory ${result.peakRssMiB} MiB`,
);
console.log(JSON.stringify(result));
if (seconds >= 10 || result.peakRssMiB >= 1024) process.exitCode = 1;
