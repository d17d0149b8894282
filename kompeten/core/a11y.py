"""The automated accessibility check (axe-core, vendored under kompeten/core/testing/axe/) on a Playwright page.
Used by tests only: tests/test_accessibility.py and the end-to-end journeys.

The project's Content-Security-Policy forbids inline scripts (kompeten/core/security.py), so the vendored source is
not added as a <script> tag: ``page.evaluate`` runs it through the DevTools protocol, which the CSP does not govern.
"""

import functools
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "testing" / "axe" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

RUN = """async ([tags, disabled]) => {
  const rules = {};
  for (const id of disabled) { rules[id] = {enabled: false}; }
  const options = {runOnly: {type: "tag", values: tags}, rules: rules, resultTypes: ["violations"]};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(" ")),
  }));
}"""


@functools.cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, *, impacts=("serious", "critical"), exclude_rules=()) -> list[dict]:
    """The WCAG 2.0/2.1 A and AA violations axe-core finds on the page as it is now, of the given impacts, as dicts
    {id, impact, help, nodes: [target selectors...]}."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    found = page.evaluate(RUN, [list(WCAG_TAGS), list(exclude_rules)])
    return [violation for violation in found if violation["impact"] in impacts]


def format_violations(violations) -> str:
    """A readable list of violations for an assertion message: rule, impact, help, then up to 5 nodes."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        nodes = violation["nodes"]
        lines.extend(f"    {target}" for target in nodes[:5])
        if len(nodes) > 5:
            lines.append(f"    ... and {len(nodes) - 5} more")
    return "\n".join(lines) or "no violations"
