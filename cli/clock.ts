import { createInterface } from 'node:readline';
import { z } from 'zod';
import { isCalendarDate } from '../src/domain/clock/calendar-date.ts';
import {
  ClockInputError,
  computeClock,
  receivedOn,
  type ClockInputs,
} from '../src/domain/clock/statutory-dates.ts';

/** The clock's inputs, as command-line flags and as the camelCase keys of --batch lines. */
export const CLOCK_INPUTS = [
  ['request-received', 'requestReceived'],
  ['advice-requested', 'adviceRequested'],
  ['draft-served', 'draftServed'],
  ['plan-issued', 'planIssued'],
  ['last-review', 'lastReview'],
  ['review-meeting', 'reviewMeeting'],
  ['amendment-notice', 'amendmentNotice'],
  ['decision-letter', 'decisionLetter'],
  ['mediation-certificate', 'mediationCertificate'],
  ['transfer-year', 'transferYear'],
  ['transfer-type', 'transferType'],
  ['reassessment-decision', 'reassessmentDecision'],
  ['move-date', 'moveDate'],
  ['la-learned-of-move', 'laLearnedOfMove'],
  ['plan-transferred', 'planTransferred'],
  ['mediation-declined', 'mediationDeclined'],
] as const;

type Key = (typeof CLOCK_INPUTS)[number][1];

const calendarDate = (name: string) =>
  z.string({ error: `${name} must be a date like 2026-01-31` }).refine(isCalendarDate, {
    error: (issue) => `${name} must be a real date like 2026-01-31, not ${String(issue.input)}`,
  });

function inputSchema(nameOf: (key: Key) => string) {
  const dateKeys = CLOCK_INPUTS.map(([, key]) => key).filter(
    (key) => !['requestReceived', 'transferYear', 'transferType'].includes(key),
  );
  return z
    .object({
      ...Object.fromEntries(dateKeys.map((key) => [key, calendarDate(nameOf(key)).optional()])),
      requestReceived: z
        .string({ error: `${nameOf('requestReceived')} must be a date or a local time` })
        .optional(),
      transferYear: z.coerce
        .number({ error: `${nameOf('transferYear')} must be a year like 2027` })
        .int(`${nameOf('transferYear')} must be a year like 2027`)
        .min(1990, `${nameOf('transferYear')} must be a year like 2027`)
        .max(2200, `${nameOf('transferYear')} must be a year like 2027`)
        .optional(),
      transferType: z
        .enum(['school', 'post16'], `${nameOf('transferType')} must be school or post16`)
        .optional(),
    })
    .strict();
}

const flagName = (key: Key) => `--${CLOCK_INPUTS.find(([, k]) => k === key)![0]}`;
const cliSchema = inputSchema(flagName);
const batchSchema = inputSchema((key) => key);

/** Checks and computes one set of inputs; throws ClockInputError with a plain message. */
export function clockFor(raw: unknown, mode: 'flags' | 'batch'): Record<string, string> {
  const parsed = (mode === 'flags' ? cliSchema : batchSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message =
      issue.code === 'unrecognized_keys' ? `unknown input ${issue.keys.join(', ')}` : issue.message;
    throw new ClockInputError(message);
  }
  const inputs = parsed.data as ClockInputs;
  if (inputs.requestReceived !== undefined) {
    try {
      receivedOn(inputs.requestReceived);
    } catch (error) {
      const name = mode === 'flags' ? '--request-received' : 'requestReceived';
      throw new ClockInputError(`${name}: ${(error as Error).message}`);
    }
  }
  return computeClock(inputs) as Record<string, string>;
}

/** Reads newline-delimited JSON and writes one line of dates (or an error) per line, in order. */
export async function runBatch(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    let result: unknown;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new ClockInputError('not a JSON object');
      }
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new ClockInputError('not a JSON object');
      }
      result = clockFor(raw, 'batch');
    } catch (error) {
      if (!(error instanceof ClockInputError)) throw error;
      result = { error: error.message };
    }
    output.write(`${JSON.stringify(result)}\n`);
  }
}
