"""Pure detection engine: a chunk of text, the rule index (index.py) and the policy in, findings out
(scan.py: `scan_chunk`; file_rules.py: `scan_path`). No I/O, no clock, no globals; imports nothing from
ruleset/ or sources/."""
