"""Parses an exposition file with Python's prometheus_client and prints one
JSON object per sample: name, labels, value (as text), for comparison with
`vigil scrape --json`. OpenMetrics when the text ends with '# EOF'."""
import json
import math
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_families
from prometheus_client.parser import text_string_to_metric_families as prom_families

text = open(sys.argv[1], encoding="utf-8").read()
parse = om_families if text.rstrip().endswith("# EOF") else prom_families
out = []
for family in parse(text):
    for s in family.samples:
        v = s.value
        value = "NaN" if math.isnan(v) else ("+Inf" if v == math.inf else ("-Inf" if v == -math.inf else repr(float(v))))
        out.append({"name": s.name, "labels": s.labels, "value": value})
print(json.dumps(out))
