import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'pathway.js');

function pathway(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npx pathway clock', () => {
  it('prints one JSON object with only the dates its inputs allow', () => {
    const result = pathway([
      'clock',
      '--request-received',
      '2026-01-09T17:30',
      '--draft-served',
      '2026-05-01',
    ]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      receivedOn: '2026-01-12',
      decisionToAssessDue: '2026-02-23',
      noPlanNoticeDue: '2026-05-04',
      finalPlanDue: '2026-06-01',
      draftCommentsLastDay: '2026-05-15',
    });
  });

  it.each([
    [['--draft-served', '2026-02-30'], /--draft-served must be a real date/],
    [
      ['--transfer-year', '2027', '--transfer-type', 'college'],
      /--transfer-type must be school or post16/,
    ],
    [['--request-received', '2026-01-09T25:00'], /--request-received/],
    [['--no-such-flag', 'x'], /Unknown option/],
  ])('explains bad input %j on stderr with exit code 2', (args, message) => {
    const result = pathway(['clock', ...args]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('answers each --batch line in order, with errors on their own lines', () => {
    const input = [
      '{"requestReceived":"2026-01-09T17:30"}',
      '{"requestReceived":"2026-02-30"}',
      '{"transferYear":2027,"transferType":"sixth-form"}',
      'not json',
      '{"laLearnedOfMove":"2026-03-02","moveDate":"2026-04-30"}',
    ].join('\n');
    const result = pathway(['clock', '--batch'], `${input}\n`);
    expect(result.status).toBe(0);
    const lines = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0].decisionToAssessDue).toBe('2026-02-23');
    expect(lines[1].error).toMatch(/2026-02-30/);
    expect(lines[2].error).toMatch(/school or post16/);
    expect(lines[3].error).toBe('not a JSON object');
    expect(lines[4]).toEqual({ transferDue: '2026-04-30' });
  });
});
