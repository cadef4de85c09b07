// A node:test reporter that prints one closing line, `N passed, N failed, N skipped` (plus cancelled and todo when
// there are any), counting tests, not suites; with scripts/test-skips.mjs the tests of skipped suites are counted.
export default async function* summary(source) {
  const n = { passed: 0, failed: 0, cancelled: 0, skipped: 0, todo: 0 };
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    const d = ev.data;
    if (d.details?.type === 'suite') {
      // A suite fails on its own only when a hook fails; its tests are then reported as cancelled.
      continue;
    }
    if (d.skip !== undefined && d.skip !== false) n.skipped++;
    else if (d.todo !== undefined && d.todo !== false) n.todo++;
    else if (ev.type === 'test:pass') n.passed++;
    else if (d.details?.error?.failureType === 'cancelledByParent') n.cancelled++;
    else n.failed++;
  }
  let line = `${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped`;
  if (n.cancelled) line += `, ${n.cancelled} cancelled`;
  if (n.todo) line += `, ${n.todo} todo`;
  yield `\n${line}\n`;
}
