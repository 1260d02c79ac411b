"""Print the mutation score of each rule module from `mutmut results --all true`; fail under 85 %.

Run by `make mutation` after `mutmut run` (not collected by pytest: its name does not start with
test_). Reads the results on standard input, one `module.x_function__mutmut_N: status` per line.
A mutant counts as killed when a test failed on it, it timed out, or the type checker caught it;
"survived", "no tests", "suspicious" and the rest count against the module.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict

THRESHOLD = 85.0
KILLED = {"killed", "timeout", "caught by type check"}
LINE_RE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ][^:]*__mutmut_\d+: (?P<status>.+?)\s*$")


def scores(lines) -> dict[str, tuple[int, int]]:
    """(killed, total) per module, from the lines of `mutmut results --all true`."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        match = LINE_RE.match(line)
        if not match:
            continue
        entry = counts[match["module"]]
        entry[0] += match["status"] in KILLED
        entry[1] += 1
    return {module: (killed, total) for module, (killed, total) in counts.items()}


def main() -> int:
    table = scores(sys.stdin)
    if not table:
        print("no mutation results: run `mutmut run` first", file=sys.stderr)
        return 2
    width = max(len(module) for module in table)
    print(f"{'module':<{width}}  killed  total       %")
    failing = []
    all_killed = all_total = 0
    for module, (killed, total) in sorted(table.items()):
        share = 100 * killed / total
        all_killed += killed
        all_total += total
        mark = "" if share >= THRESHOLD else f"  < {THRESHOLD:.0f} %"
        print(f"{module:<{width}}  {killed:>6}  {total:>5}  {share:5.1f} %{mark}")
        if share < THRESHOLD:
            failing.append(module)
    print(f"{'all':<{width}}  {all_killed:>6}  {all_total:>5}  {100 * all_killed / all_total:5.1f} %")
    if failing:
        print(f"under {THRESHOLD:.0f} %: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
