"""The fast Arrow reader gives exactly the table the careful readers give, or steps aside."""

import pandas as pd
import pytest

from socialrx.data.files import SourceFile, _arrow_records, _fast_records, decode_text, read_csv
from socialrx.data.problems import Report

SAME = {
    "plain": b"a,b,c\n1,2,3\n4,,6\n",
    "bom and CRLF": b"\xef\xbb\xbfa,b\r\nx,y\r\n",
    "no final line break": b"a,b\n1,2",
    "blank lines above the header": b"\n\r\na,b\n1,2\n",
    "quoted comma, quote and line break": b'a,b\n"x, y","say ""hi""\nthere"\n3,4\n',
    "accents and emoji": "name,n\nCaf\u00e9 \U0001f600,1\n".encode(),
    "spaces kept": b"a,b\n 1 ,  \n",
    "NA-looking text kept as text": b"a,b\nNA,null\nNone,\n",
    "a blank line among rows": b"a,b,c\n1,2,3\n\n4,5,6\n",
}


@pytest.mark.parametrize("data", SAME.values(), ids=SAME.keys())
def test_arrow_reader_matches_the_c_parser(data):
    arrow, header_row = _arrow_records(data)
    text = decode_text(data)
    body = text.lstrip("\r\n")
    c_parser = _fast_records(body)
    assert arrow is not None
    pd.testing.assert_frame_equal(arrow, c_parser, check_dtype=False)
    assert header_row == 1 + (text[: len(text) - len(body)].count("\n"))


STEP_ASIDE = {
    "Windows-1252": b"name,n\nCaf\xe9,1\n",
    "ragged rows": b"a,b\n1,2,3\n",
    "only blank lines": b"\n\n  \n",
    "empty": b"",
}


@pytest.mark.parametrize("data", STEP_ASIDE.values(), ids=STEP_ASIDE.keys())
def test_arrow_reader_steps_aside_where_it_would_read_differently(data):
    assert _arrow_records(data) == (None, 0)


def test_read_csv_numbers_rows_as_a_spreadsheet_does_whichever_reader_reads_it():
    fast = read_csv(SourceFile("x.csv", b"\n\na,b\n1,2\n3,4\n"), Report())
    careful = read_csv(SourceFile("x.csv", b"\n\na,b\n1,2\n3,4,\n"), Report())  # trailing comma
    assert list(fast.index + 2) == [4, 5] == list(careful.index + 2)
    assert fast.to_dict("list") == {"a": ["1", "3"], "b": ["2", "4"]}
