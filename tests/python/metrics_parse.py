"""Parses a /metrics body with the Prometheus project's Python parsers and prints
{"family": "type", ...} as JSON.

    python3 metrics_parse.py text < body          # text format 0.0.4
    python3 metrics_parse.py openmetrics < body   # OpenMetrics 1.0 (strict: # EOF, names)

Exits 2 with the parser's message on stderr when the body does not parse.
"""

import json
import sys

from prometheus_client import parser as text_parser
from prometheus_client.openmetrics import parser as openmetrics_parser


def main() -> int:
    kind = sys.argv[1]
    body = sys.stdin.read()
    parse = (
        openmetrics_parser.text_string_to_metric_families
        if kind == "openmetrics"
        else text_parser.text_string_to_metric_families
    )
    try:
        families = {f.name: f.type for f in parse(body)}
    except Exception as e:  # the parser's own error is the finding
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(json.dumps(families))
    return 0


if __name__ == "__main__":
    sys.exit(main())
