"""Pure detection engine: text in, findings out. Entry point: `scanner.engine.scan.scan_chunk`."""
