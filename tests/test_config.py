"""The deployment's Streamlit settings agree with what the code assumes."""

import tomllib
from pathlib import Path

from socialrx.data.source import MAX_FILE_BYTES

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit/config.toml").read_text())


def test_the_upload_limit_is_the_loaders_file_limit():
    assert CONFIG["server"]["maxUploadSize"] * 2**20 == MAX_FILE_BYTES


def test_errors_in_the_browser_quote_no_data():
    assert CONFIG["client"]["showErrorDetails"] in ("type", "none")
    assert CONFIG["client"]["showErrorLinks"] is False
