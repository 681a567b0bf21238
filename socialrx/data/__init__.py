"""Files in, one checked `Dataset` out: reading, checking, importing and the demo."""
